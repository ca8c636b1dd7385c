"""The Debian releases dockwise builds bases for, and what each base contains."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dockwise.core.errors import EXIT_USAGE, DockwiseError

MAIN_MIRROR = "https://deb.debian.org/debian"
SECURITY_MIRROR = "https://deb.debian.org/debian-security"
DEFAULT_NAMESPACE = "dockwise"  # bases are tagged <namespace>/python:…, <namespace>/distroless-python3-debian<N>:…
CA_PACKAGE = "ca-certificates"  # distroless concatenates its certificates; the package itself is not installed

# distroless's static -> base -> cc layers; the python3 layer comes from Release.distroless_python.
_STATIC = ("base-files", "netbase", "tzdata", "media-types")
_CC_13 = ("libgomp1", "libstdc++6", "libgcc-s1", "gcc-14-base", "zlib1g")
_CC_12 = ("libgomp1", "libstdc++6", "libgcc-s1", "gcc-12-base")


@dataclass(frozen=True)
class Suite:
    """One signed suite of the archive, e.g. `trixie-security` at deb.debian.org/debian-security."""

    mirror: str
    name: str


@dataclass(frozen=True)
class Release:
    """A Debian release and the package sets of its two bases."""

    codename: str
    version: str  # "13"
    python: str  # "3.13"
    merged_usr: bool
    distroless_layers: tuple[tuple[str, tuple[str, ...]], ...]  # (layer name, hand-listed packages), in order
    slim_include: tuple[str, ...]  # what the slim base asks apt for; the lock records the resolved closure
    ld_so_cache: bool  # distroless debian13 ships a pre-generated /etc/ld.so.cache for ctypes.util.find_library
    # bookworm's base-files does not merge /usr itself: mmdebstrap's hook does, so apt picks usr-is-merged over
    # usrmerge (which would pull in perl)
    mmdebstrap_hooks: tuple[str, ...] = ()
    # distroless packages nothing in the lean base loads: no ELF there links them and no kept package depends on them
    lean_unused: tuple[str, ...] = ()

    @property
    def suites(self) -> tuple[Suite, ...]:
        return (
            Suite(MAIN_MIRROR, self.codename),
            Suite(MAIN_MIRROR, f"{self.codename}-updates"),
            Suite(SECURITY_MIRROR, f"{self.codename}-security"),
        )

    def slim_tag(self, namespace: str = DEFAULT_NAMESPACE) -> str:
        return f"{namespace}/python:{self.python}-slim"

    def distroless_repo(self, namespace: str = DEFAULT_NAMESPACE) -> str:
        return f"{namespace}/distroless-python3-debian{self.version}"

    @property
    def distroless_packages(self) -> tuple[str, ...]:
        """Every package the distroless base takes files from: the layers' lists, then the CA bundle's source."""
        seen: dict[str, None] = {}
        for _layer, packages in self.distroless_layers:
            seen.update(dict.fromkeys(packages))
        seen[CA_PACKAGE] = None
        return tuple(seen)


# The slim base: Debian's minbase plus these, the same on every release (dependencies come with them).
SLIM_INCLUDE = (
    "ca-certificates",
    "netbase",
    "tzdata",
    "python3",
    "python3-pip-whl",  # pip itself is installed from this wheel into /usr/local (see slim.py)
    "python3-venv",
    "python-is-python3",
)

RELEASES: dict[str, Release] = {
    "trixie": Release(
        codename="trixie",
        version="13",
        python="3.13",
        merged_usr=True,
        distroless_layers=(
            ("static", (*_STATIC, "tzdata-legacy")),
            ("base", ("libc6", "libssl3t64", "libzstd1", "zlib1g")),
            ("cc", _CC_13),
            (
                "python3",
                (
                    "libbz2-1.0",
                    "libcom-err2",
                    "libcrypt1",
                    "libdb5.3t64",
                    "libexpat1",
                    "libc-bin",
                    "libffi8",
                    "libgssapi-krb5-2",
                    "libk5crypto3",
                    "libkeyutils1",
                    "libkrb5-3",
                    "libkrb5support0",
                    "liblzma5",
                    "libncursesw6",
                    "libnsl2",
                    "libpython3.13-minimal",
                    "libpython3.13-stdlib",
                    "libreadline8t64",
                    "libsqlite3-0",
                    "libtinfo6",
                    "libtirpc3t64",
                    "libuuid1",
                    "python3.13-venv",
                    "python3.13-minimal",
                    "zlib1g",
                ),
            ),
        ),
        slim_include=SLIM_INCLUDE,
        ld_so_cache=True,
        # Python 3.13 has no nis, crypt or spwd modules any more (PEP 594): libnsl2 and libcrypt1, and the RPC and
        # Kerberos libraries only libnsl2 needs, are left over from 3.11's list. python3.13-venv holds only
        # ensurepip, which lean drops.
        lean_unused=(
            "libcom-err2",
            "libcrypt1",
            "libgssapi-krb5-2",
            "libk5crypto3",
            "libkeyutils1",
            "libkrb5-3",
            "libkrb5support0",
            "libnsl2",
            "libtirpc3t64",
            "python3.13-venv",
        ),
    ),
    "bookworm": Release(
        codename="bookworm",
        version="12",
        python="3.11",
        merged_usr=False,
        distroless_layers=(
            ("static", _STATIC),
            ("base", ("libc6", "libssl3")),
            ("cc", _CC_12),
            (
                "python3",
                (
                    "libbz2-1.0",
                    "libdb5.3",
                    "libexpat1",
                    "liblzma5",
                    "libsqlite3-0",
                    "libuuid1",
                    "libncursesw6",
                    "libtinfo6",
                    "python3-distutils",
                    "zlib1g",
                    "libcom-err2",
                    "libcrypt1",
                    "libgssapi-krb5-2",
                    "libk5crypto3",
                    "libkeyutils1",
                    "libkrb5-3",
                    "libkrb5support0",
                    "libnsl2",
                    "libreadline8",
                    "libtirpc3",
                    "libffi8",
                    "libpython3.11-minimal",
                    "libpython3.11-stdlib",
                    "python3.11-minimal",
                ),
            ),
        ),
        slim_include=SLIM_INCLUDE,
        ld_so_cache=False,
        mmdebstrap_hooks=("/usr/share/mmdebstrap/hooks/merged-usr",),
    ),
}

RELEASE_NAMES = tuple(name for r in RELEASES.values() for name in (r.codename, r.version))
"""What `dockwise base --release` accepts: each release's codename and version number."""
# Docker's reference grammar: an optional registry host (with port), then lowercase path components.
_NAMESPACE = re.compile(
    r"([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]+)?/)?[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*"
)


def check_namespace(namespace: str) -> None:
    """A DockwiseError unless `namespace` can prefix an image name (e.g. dockwise, registry.example:5000/team)."""
    if not _NAMESPACE.fullmatch(namespace):
        raise DockwiseError(
            f"namespace {namespace!r} cannot prefix an image name",
            "use lowercase letters, digits and . _ - separated by / (e.g. dockwise-dev)",
            exit_code=EXIT_USAGE,
        )


def release(name: str) -> Release:
    """The release called `name` (codename or version number); a DockwiseError for anything else."""
    for candidate in RELEASES.values():
        if name in (candidate.codename, candidate.version, f"debian{candidate.version}"):
            return candidate
    known = ", ".join(f"{r.codename} ({r.version})" for r in RELEASES.values())
    raise DockwiseError(f"unknown Debian release {name!r}", f"use one of: {known}", exit_code=EXIT_USAGE)
