"""pdm.lock: the default group's packages, selected from the lock in the build and installed hash-pinned.

PDM's own `pdm export` refuses the locks older PDMs wrote ("Can't export a lock file without environment
markers"), and installing PDM pulls its HTTP stack into the build. dockwise reads the lock itself: from
[project].dependencies (with their extras) through each package's dependencies, markers evaluated for the
target Python on Linux; a lock that records groups (`inherit_metadata`) says the default group directly. Every
selected package is checked here (a name, a version, sha256 hashes), so the build's selection cannot fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import Evidence, line_of
from dockwise.pyapp.layouts import Dependencies, Layout, LayoutContext
from dockwise.pyapp.layouts.locks import Edge, locked_packages, locked_pins, toml_name, walk
from dockwise.pyapp.layouts.project import read_toml

LAYOUT = Layout("pdm", ("pdm.lock",), lockfile=True)
_VERSION = re.compile(r"[A-Za-z0-9.!+_-]+")
_HASH = re.compile(r"sha256:[0-9a-f]{64}")


def detect(context: LayoutContext) -> Dependencies | None:
    if not context.has("pdm.lock"):
        return None
    if context.project is None:
        raise DockwiseError(
            "pdm.lock without pyproject.toml", "add the pyproject.toml it was locked from", exit_code=EXIT_USAGE
        )
    data, text = read_toml(context.root, "pdm.lock")
    packages = locked_packages(data, "pdm.lock")
    environment = _environment(context.python)
    if any("groups" in p for group in packages.values() for p in group):
        names = frozenset(
            name
            for name, group in packages.items()
            for p in group
            if "default" in (p.get("groups") or []) and _applies(p.get("marker"), environment)
        )
    else:
        start = [
            _edge(r) for r in context.project.dependencies if _applies(str(Requirement(r).marker or ""), environment)
        ]
        names = walk(packages, start, lambda p, extras: _edges(p, extras, environment))
    chosen = [_checked(packages[name], text) for name in sorted(names)]
    return Dependencies(
        "pdm",
        ("pdm.lock",),
        names,
        hashed=True,
        pinned=True,
        evidence=Evidence("pdm.lock", None, f"{len(names)} locked packages (default group)"),
        install="pdm-lock",
        listed=tuple(p["name"] for p in chosen),
        pins=locked_pins(packages, names, "pdm.lock", text),
    )


def _environment(python: str) -> dict[str, str]:
    return {
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": "x86_64",
        "extra": "",
    }


def _applies(marker: object, environment: dict[str, str]) -> bool:
    if not marker:
        return True
    try:
        return Marker(str(marker)).evaluate(environment)
    except (InvalidMarker, UndefinedEnvironmentName):
        return True  # what dockwise cannot evaluate is installed: pip evaluates it again


def _edge(text: str) -> Edge:
    requirement = Requirement(text)
    return canonicalize_name(requirement.name), frozenset(canonicalize_name(e) for e in requirement.extras)


def _edges(package: dict, extras: frozenset[str], environment: dict[str, str]) -> Iterable[Edge]:
    own = package.get("extras") or []
    if not isinstance(own, list) or not set(map(canonicalize_name, map(str, own))) <= extras:
        return  # the entry of an extra nobody asked for
    for line in package.get("dependencies") or []:
        try:
            requirement = Requirement(line)
        except (InvalidRequirement, TypeError):
            raise _refused(package, "lists a dependency that is not a requirement") from None
        if _applies(str(requirement.marker or ""), environment):
            yield _edge(line)


def _checked(group: list[dict], text: str) -> dict:
    base = [p for p in group if not p.get("extras")]
    if len(base) != 1:
        raise _refused(group[0], "is locked more than once (or only with extras)")
    package = base[0]
    files = package.get("files")
    hashes = (
        [f.get("hash") for f in files] if isinstance(files, list) and all(isinstance(f, dict) for f in files) else []
    )
    if not isinstance(package.get("version"), str) or not _VERSION.fullmatch(package["version"]):
        raise _refused(package, "has no version", text)
    if not hashes or not all(isinstance(h, str) and _HASH.fullmatch(h) for h in hashes):
        raise _refused(package, "has no sha256 hash for every file (not a released version?)", text)
    if any(key in package for key in ("path", "url", "git", "editable")):
        raise _refused(package, "does not come from a package index", text)
    return package


def _refused(package: dict, why: str, text: str = "") -> DockwiseError:
    line = line_of(text, toml_name(package)) if text else None
    return DockwiseError(
        f"pdm.lock{f':{line}' if line else ''}: {package['name']} {why}",
        "lock released versions with hashes: `pdm lock`",
        exit_code=EXIT_USAGE,
    )
