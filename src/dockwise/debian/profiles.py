"""The distroless base's two profiles: which files each keeps and which tags it goes by.

faithful: gcr.io/distroless/python3-debian<N> file for file. lean (the default): the same packages and files minus
what a Python web service never loads; every remaining package keeps its copyright file and its status.d record,
whose md5sums then list only the files that are really there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dockwise.debian.releases import DEFAULT_NAMESPACE, Release

# Stdlib modules lean drops (top-level names). CPython's own test suite and its helpers, the GUI and the
# editor (tkinter is not even in distroless, so turtle cannot import there either), ensurepip (Debian's needs
# the pip wheels of python3-pip-whl, which distroless never had: it cannot install pip anyway), help()'s topic
# texts, and lib2to3. Debian ships idlelib, tkinter, turtledemo and lib2to3 in packages distroless does not list;
# naming them keeps a lock that pulls them in lean.
LEAN_STDLIB_DROPS = (
    "ensurepip",
    "idlelib",
    "lib2to3",
    "pydoc_data",
    "test",
    "tkinter",
    "turtle",
    "turtledemo",
)
# C extension modules that exist only to test CPython itself (lib-dynload/_testcapi…, xxlimited…).
_TEST_EXTENSION = re.compile(r"_test\w*|_ctypes_test|_xxtestfuzz|xxlimited\w*|xxsubtype")

# libc-bin's programs other than ldconfig (ctypes.util.find_library runs `ldconfig -p`): ldd and tzselect are shell
# scripts and there is no shell; localedef, iconvconfig and zic compile sources the image does not ship; the rest
# are command-line tools nothing in Python runs.
_LIBC_BIN_TOOLS = "getconf|getent|iconv|ldd|locale|localedef|pldd|tzselect|zdump|iconvconfig|zic"

_LEAN_DROPS = re.compile(
    "|".join(
        (
            # glibc's iconv modules: Python's codecs are its own, and UTF-8/ASCII/Latin-1 are built into glibc
            r"(usr/)?lib/[a-z0-9_]+-linux-gnu/gconv(/.*)?",
            # docs, changelogs and man pages; copyright files stay (licences)
            r"usr/share/doc/[^/]+/(?!copyright$).+",
            r"usr/share/(man|info)(/.*)?",
            # Debian tooling the image does not run: lintian overrides, reportbug hooks, gdb pretty-printers
            r"usr/share/(lintian|bug|gdb|gcc)(/.*)?",
            # leap-second ("right/") zones: POSIX time and datetime ignore leap seconds; nothing asks for them
            r"usr/share/zoneinfo/right(/.*)?",
            rf"(usr/)?s?bin/({_LIBC_BIN_TOOLS})",
            rf"usr/lib/python3\.\d+/({'|'.join(LEAN_STDLIB_DROPS)})(\.py|/.*)?",
            rf"usr/lib/python3\.\d+/lib-dynload/({_TEST_EXTENSION.pattern})\.cpython-[^/]+\.so",
        )
    )
)


@dataclass(frozen=True)
class Profile:
    """Which files of the locked packages a distroless base keeps, and the tags (root, nonroot) it goes by."""

    name: str
    root_tag: str
    nonroot_tag: str
    lean: bool

    def keeps(self, path: str) -> bool:
        """Whether `path` (relative, as it lands in the image) stays in the base."""
        return not (self.lean and _LEAN_DROPS.fullmatch(path))

    def packages(self, release: Release) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The release's distroless layers with the packages this profile unpacks."""
        unused = set(release.lean_unused) if self.lean else set()
        return tuple(
            (name, tuple(p for p in packages if p not in unused)) for name, packages in release.distroless_layers
        )

    def tags(self, release: Release, namespace: str = DEFAULT_NAMESPACE) -> tuple[str, str]:
        repo = release.distroless_repo(namespace)
        return f"{repo}:{self.root_tag}", f"{repo}:{self.nonroot_tag}"


# The default keeps the names everything already uses (`dockwise build --variant distroless`, the Dockerfile's
# comments); the faithful copy is the exception, so it carries the word, like distroless's own :debug tags.
LEAN = Profile("lean", "latest", "nonroot", lean=True)
FAITHFUL = Profile("faithful", "faithful", "faithful-nonroot", lean=False)
PROFILES = {profile.name: profile for profile in (LEAN, FAITHFUL)}


def dropped_module(name: str) -> bool:
    """Whether lean drops the stdlib module `name` (dotted), so it may import in faithful and not in lean."""
    top = name.split(".")[0]
    return top in LEAN_STDLIB_DROPS or bool(_TEST_EXTENSION.fullmatch(top))
