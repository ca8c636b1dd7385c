"""`dockwise doctor --platforms`: which platforms run here, setting arm64 emulation up where dockwise may."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from dockwise.core.platform import PLATFORMS
from dockwise.engine.emulation import PlatformSupport, platform_support, setup_emulation


def check_platforms(say: Callable[[str], None] = lambda _m: None) -> list[PlatformSupport]:
    """Set emulation up (as root on Debian) when a foreign platform does not run, then check every platform on the
    host and in a container of the engine."""
    from dockwise.engine.client import sdk_client

    client = sdk_client()
    platforms = list(PLATFORMS.values())
    support = [platform_support(p, client) for p in platforms]
    if not all(s.ready for s in support) and os.geteuid() == 0 and Path("/etc/debian_version").exists():
        setup_emulation([s.platform for s in support if not s.ready], say)
        support = [platform_support(p, client) for p in platforms]
    return support
