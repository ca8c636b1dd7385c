"""Which pinned requirements have a wheel for a Python dockwise has a base for, read from the package index.

The index is read through `IndexReader` (one call per project: every file name it lists), so the hermetic tests give
a fake one and `init --offline` none at all. `SimpleIndex` reads PyPI's simple API in its PEP 691 JSON form (the
JSON API is not needed), bounded: a timeout per request, a few requests at once, a deadline for the whole check,
and a file cache. A project the index does not answer for is `unknown`, never an error: init goes on without it.
"""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, Protocol

from packaging.markers import InvalidMarker, Marker
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from dockwise.core.atomic import atomic_file
from dockwise.pyapp.evidence import Evidence

PYPI_SIMPLE = "https://pypi.org/simple/"
PEP691 = "application/vnd.pypi.simple.v1+json"
TIMEOUT_S = 5.0
DEADLINE_S = 20.0
WORKERS = 8
CACHE_TTL_S = 24 * 3600
MAX_RESPONSE = 32 << 20  # the largest project pages (numpy, boto3) are a few MB
# glibc of the bases' Debian releases: a manylinux_2_N wheel runs where N <= this.
GLIBC_MINOR = {"3.11": 36, "3.13": 41}
ARCH = "x86_64"  # the default build platform (linux/amd64)


class IndexUnavailable(Exception):
    """The index did not answer for a project (network, timeout, not found, a malformed page)."""


class IndexReader(Protocol):
    def files(self, project: str) -> tuple[str, ...]:
        """Every distribution file name the index lists for `project` (canonical name); IndexUnavailable if none."""
        ...


@dataclass(frozen=True)
class Pin:
    """A requirement pinned to one version, as the app's dependency file says it."""

    name: str  # canonical
    version: str
    evidence: Evidence
    marker: str | None = None

    def __str__(self) -> str:
        return f"{self.name} {self.version}"

    def applies(self, python: str) -> bool:
        """Whether the pin is installed on Linux under `python` (its environment marker, if any, says so)."""
        if not self.marker:
            return True
        try:
            return Marker(self.marker).evaluate(_environment(python))
        except (InvalidMarker, ValueError, TypeError):
            return True


def valid_pins(pins: Iterable[Pin]) -> tuple[Pin, ...]:
    """The pins whose version is a PEP 440 version, written normalized: only [0-9a-z.+!-] reaches a generated
    file's comment or the summary."""
    valid = []
    for pin in pins:
        try:
            valid.append(replace(pin, version=str(Version(pin.version))))
        except InvalidVersion:
            continue
    return tuple(valid)


Availability = Literal["wheel", "no-wheel", "unknown"]


@dataclass(frozen=True)
class PinWheels:
    """What the index lists for one pin and one Python."""

    pin: Pin
    availability: Availability
    compiled: bool = False  # the release has wheels for some interpreter (a binary package), not this one
    sdist: bool = False
    first_with_wheel: str | None = None  # the oldest newer release that has a wheel for this Python


@dataclass(frozen=True)
class WheelReport:
    """Per Python version, what each pin has; `checked` is False when no index was read (`--offline`)."""

    by_python: Mapping[str, tuple[PinWheels, ...]]
    checked: bool

    def missing(self, python: str) -> tuple[PinWheels, ...]:
        return tuple(p for p in self.by_python.get(python, ()) if p.availability == "no-wheel")

    def unknown(self, python: str) -> tuple[PinWheels, ...]:
        return tuple(p for p in self.by_python.get(python, ()) if p.availability == "unknown")

    def count(self, python: str) -> int:
        return len(self.by_python.get(python, ()))


def _environment(python: str) -> dict[str, str]:
    return {
        "python_version": python,
        "python_full_version": python + ".0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": ARCH,
        "extra": "",
    }


def target_tags(python: str) -> frozenset[Tag]:
    """The wheel tags pip accepts on the base of `python` (CPython, glibc of its Debian release, x86_64)."""
    major, minor = (int(part) for part in python.split("."))
    glibc = GLIBC_MINOR[python]
    platforms = [f"manylinux_2_{n}_{ARCH}" for n in range(glibc, 4, -1)]
    platforms += [f"manylinux2014_{ARCH}", f"manylinux2010_{ARCH}", f"manylinux1_{ARCH}", f"linux_{ARCH}"]
    interpreter = f"cp{major}{minor}"
    tags = list(cpython_tags((major, minor), abis=[interpreter], platforms=platforms))
    tags += compatible_tags((major, minor), interpreter=interpreter, platforms=platforms)
    return frozenset(tags)


def _wheel(filename: str) -> tuple[Version, frozenset[Tag]] | None:
    try:
        _, version, _, tags = parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion):
        return None
    return version, tags


def _sdist_version(filename: str) -> Version | None:
    try:
        return parse_sdist_filename(filename)[1]
    except (InvalidSdistFilename, InvalidVersion):
        return None


def availability(pin: Pin, files: Iterable[str], python: str) -> PinWheels:
    """Whether `pin` has a wheel for `python` among the index's `files` (all releases of the project)."""
    try:
        wanted = Version(pin.version)
    except InvalidVersion:
        return PinWheels(pin, "unknown")
    supported = target_tags(python)
    own_wheels: list[frozenset[Tag]] = []
    sdist = False
    later: list[Version] = []
    for filename in files:
        wheel = _wheel(filename)
        if wheel is None:
            sdist = sdist or _sdist_version(filename) == wanted
            continue
        version, tags = wheel
        if version == wanted:
            own_wheels.append(tags)
        elif version > wanted and not version.is_prerelease and tags & supported:
            later.append(version)
    if any(tags & supported for tags in own_wheels):
        return PinWheels(pin, "wheel", sdist=sdist)
    if not own_wheels and not sdist:
        return PinWheels(pin, "unknown")  # the index does not list that release (yanked files, another index)
    compiled = any(tag.abi != "none" for tags in own_wheels for tag in tags)
    first = str(min(later)) if later else None
    return PinWheels(pin, "no-wheel", compiled=compiled, sdist=sdist, first_with_wheel=first)


def check_wheels(
    pins: Iterable[Pin], pythons: Iterable[str], index: IndexReader | None, deadline_s: float = DEADLINE_S
) -> WheelReport:
    """Each pin's wheels for each Python in `pythons`, reading each project once, a few at a time, within the
    deadline; a project not read in time is `unknown`. Without an index, every pin is `unknown`."""
    pins = tuple(pins)
    pythons = tuple(pythons)
    if index is None:
        return WheelReport({p: tuple(PinWheels(pin, "unknown") for pin in pins) for p in pythons}, checked=False)
    projects = sorted({pin.name for pin in pins})
    found: dict[str, tuple[str, ...]] = {}
    if projects:
        pool = ThreadPoolExecutor(max_workers=min(WORKERS, len(projects)))
        futures = {pool.submit(index.files, name): name for name in projects}
        done, _ = wait(futures, timeout=deadline_s)
        pool.shutdown(wait=False, cancel_futures=True)
        for future in done:
            error = future.exception()
            if error is None:
                found[futures[future]] = future.result()
            elif not isinstance(error, IndexUnavailable):
                raise error
    report = {
        python: tuple(
            availability(pin, found[pin.name], python) if pin.name in found else PinWheels(pin, "unknown")
            for pin in pins
            if pin.applies(python)
        )
        for python in pythons
    }
    return WheelReport(report, checked=True)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dockwise" / "simple"


@dataclass(frozen=True)
class SimpleIndex:
    """PyPI's simple API (PEP 691 JSON), each project's file names cached for a day in `cache_dir`."""

    cache_dir: Path
    url: str = PYPI_SIMPLE
    timeout_s: float = TIMEOUT_S
    ttl_s: float = CACHE_TTL_S

    def files(self, project: str) -> tuple[str, ...]:
        name = canonicalize_name(project)
        cached = self._cached(name)
        if cached is not None:
            return cached
        files = self._fetch(name)
        self._store(name, files)
        return files

    def _cache_path(self, name: str) -> Path:
        return self.cache_dir / f"{name}.json"

    def _cached(self, name: str) -> tuple[str, ...] | None:
        path = self._cache_path(name)
        try:
            if time.time() - path.stat().st_mtime > self.ttl_s:
                return None
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        files = data.get("files") if isinstance(data, dict) else None
        if isinstance(files, list) and all(isinstance(f, str) for f in files):
            return tuple(files)
        return None

    def _store(self, name: str, files: tuple[str, ...]) -> None:
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            with atomic_file(self._cache_path(name)) as handle:
                json.dump({"files": list(files)}, handle)
        except Exception:  # a cache that cannot be written only costs the next run a request
            return

    def _fetch(self, name: str) -> tuple[str, ...]:
        request = urllib.request.Request(f"{self.url}{name}/", headers={"Accept": PEP691})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                body = response.read(MAX_RESPONSE + 1)
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            raise IndexUnavailable(f"{name}: {exc}") from None
        if len(body) > MAX_RESPONSE:
            raise IndexUnavailable(f"{name}: the index page is larger than {MAX_RESPONSE} bytes")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise IndexUnavailable(f"{name}: the index answered something other than PEP 691 JSON") from None
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, list):
            raise IndexUnavailable(f"{name}: the index answered something other than PEP 691 JSON")
        # Yanked files stay: pip still installs a yanked release pinned with ==.
        return tuple(f["filename"] for f in files if isinstance(f, dict) and isinstance(f.get("filename"), str))
