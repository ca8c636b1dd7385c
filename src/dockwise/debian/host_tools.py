"""Host tools the base builder runs: gpgv with Debian's archive keyring, and mmdebstrap (installed on demand)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dockwise.core.hostpkg import apt_install, ensure_command

KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")


def ensure_verify_tools(say: Callable[[str], None] = lambda _m: None) -> None:
    """gpgv and the keyring that InRelease signatures are checked against."""
    ensure_command("gpgv", "gpgv", say)
    if not KEYRING.exists():
        apt_install(["debian-archive-keyring"], say)


def ensure_mmdebstrap(say: Callable[[str], None] = lambda _m: None) -> str:
    return ensure_command("mmdebstrap", "mmdebstrap", say)
