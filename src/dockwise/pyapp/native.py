"""Sdists that compile: the Debian packages well-known ones need to build (builder stage only) and to run (both
images), and the plan init makes from the wheel check.

A pin is compiled in the builder when the index lists no wheel of its release for the chosen Python (or, offline,
when its project never ships Linux wheels). Any C extension needs a compiler and Python's headers; the table adds
what each well-known project links or includes. A compiled pin the table does not know still gets the compiler,
with a warning naming it and the way out. Runtime package names are the same in Debian 12 and 13.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from dockwise.pyapp.wheels import PinWheels, WheelReport

COMPILER = ("gcc", "libc6-dev")


@dataclass(frozen=True)
class Sdist:
    build: tuple[str, ...] = ()  # Debian packages its build needs beyond the compiler and Python's headers
    runtime: tuple[str, ...] = ()  # Debian packages its compiled extension loads at run time
    linux_wheels: bool = True  # False: no release ships a Linux wheel, so it always builds from source here
    # Its C code follows CPython's internals (by hand, or as Cython of its day wrote it): a release compiles only on
    # the Pythons that existed when it was made, so one older than its first wheel for a Python never builds there.
    # Measured with gcc and the headers: greenlet 1.1.2 on 3.11, httptools 0.6.1 and uvloop 0.20.0 on 3.13 fail;
    # asyncpg 0.26.0 and cffi 1.15.0 on 3.11, markupsafe 2.1.5 on 3.13 build (so they are not tied).
    tied: bool = False


_LIBPQ = Sdist(("libpq-dev",), ("libpq5",))

SDISTS: MappingProxyType[str, Sdist] = MappingProxyType(
    {
        "psycopg2": Sdist(("libpq-dev",), ("libpq5",), linux_wheels=False),
        "psycopg2-binary": _LIBPQ,
        "psycopg-c": _LIBPQ,
        "mysqlclient": Sdist(("default-libmysqlclient-dev", "pkg-config"), ("libmariadb3",), linux_wheels=False),
        "cffi": Sdist(("libffi-dev",), ("libffi8",)),
        "lxml": Sdist(("libxml2-dev", "libxslt1-dev"), ("libxml2", "libxslt1.1")),
        "pillow": Sdist(("libjpeg-dev", "zlib1g-dev"), ("libjpeg62-turbo", "zlib1g")),
        "pyyaml": Sdist(("libyaml-dev",), ("libyaml-0-2",)),
        "greenlet": Sdist(("g++",), tied=True),
        "markupsafe": Sdist(),
        "asyncpg": Sdist(),
        "multidict": Sdist(),
        "yarl": Sdist(),
        "frozenlist": Sdist(),
        "aiohttp": Sdist(),
        "ujson": Sdist(),
        "msgpack": Sdist(("g++",)),
        "httptools": Sdist(tied=True),
        "uvloop": Sdist(tied=True),
        "websockets": Sdist(),
        "psutil": Sdist(),
        "regex": Sdist(),
        "sqlalchemy": Sdist(),
        "simplejson": Sdist(),
        "wrapt": Sdist(),
        "zope-interface": Sdist(),
        "ruamel-yaml-clib": Sdist(),
        "pycryptodome": Sdist(),
        "pycryptodomex": Sdist(),
        "argon2-cffi-bindings": Sdist(("libffi-dev",), ("libffi8",)),
    }
)


@dataclass(frozen=True)
class NativeBuild:
    """What the builder compiles and what the images need for it; empty when every pin has a wheel."""

    python: str
    compiled: tuple[PinWheels, ...]  # pins built from source, the table's or not
    build_packages: tuple[str, ...]  # builder stage only (Python's headers come on top when the base lacks them)
    runtime_packages: tuple[str, ...]  # both images
    unknown: tuple[PinWheels, ...] = ()  # compiled pins the table does not know (warned about)

    @property
    def headers_package(self) -> str:
        """Debian's package with Python.h for the base's interpreter (dockwise's bases run Debian's Python)."""
        return f"libpython{self.python}-dev"


def _compiled(report: WheelReport, python: str) -> tuple[PinWheels, ...]:
    if report.checked:
        return tuple(p for p in report.missing(python) if p.compiled or p.pin.name in SDISTS)
    return tuple(
        p for p in report.by_python.get(python, ()) if p.pin.name in SDISTS and not SDISTS[p.pin.name].linux_wheels
    )


def native_build(report: WheelReport, python: str) -> NativeBuild:
    compiled = _compiled(report, python)
    if not compiled:
        return NativeBuild(python, (), (), ())
    known = [SDISTS[p.pin.name] for p in compiled if p.pin.name in SDISTS]
    build = COMPILER + tuple(package for sdist in known for package in sdist.build)
    runtime = tuple(package for sdist in known for package in sdist.runtime)
    return NativeBuild(
        python,
        compiled,
        tuple(dict.fromkeys(build)),
        tuple(dict.fromkeys(runtime)),
        tuple(p for p in compiled if p.pin.name not in SDISTS),
    )


def uncompilable(native: NativeBuild) -> tuple[PinWheels, ...]:
    """Compiled pins that cannot build on the chosen Python: a release of a tied project older than its first
    release with a wheel for that Python."""
    return tuple(p for p in native.compiled if p.first_with_wheel and p.pin.name in SDISTS and SDISTS[p.pin.name].tied)


def warnings(native: NativeBuild) -> list[str]:
    """A line per compiled pin that may not build: one the table does not know, or a release older than the
    chosen Python whose newer releases have a wheel for it."""
    lines = []
    for pin in native.compiled:
        fix = (
            f"pin {pin.pin.name}=={pin.first_with_wheel} or later (its first release with a wheel for Python "
            f"{native.python})"
            if pin.first_with_wheel
            else f"pin a release with a wheel for Python {native.python}"
        )
        if pin in native.unknown:
            lines.append(
                f"{pin.pin.evidence.where()}: {pin.pin} has no wheel for Python {native.python} and dockwise does not "
                "know which system packages its build needs: the builder has a C compiler and Python's headers only; "
                f"if the build fails, {fix}, or pass --python with a version it has wheels for"
            )
        elif pin.first_with_wheel and pin not in uncompilable(native):
            lines.append(
                f"{pin.pin.evidence.where()}: {pin.pin} predates wheels for Python {native.python} and is compiled "
                f"in the builder; old releases often do not compile on a newer Python: if the build fails, {fix}"
            )
    return lines
