"""Host tools from Debian's archive: installed on demand where we may (root on Debian), else one line saying how."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from dockwise.core.errors import DockwiseError
from dockwise.core.programs import run_program

APT_TIMEOUT_S = 900


def _may_install() -> bool:
    return os.geteuid() == 0 and Path("/etc/debian_version").exists()


def apt_install(packages: list[str], say: Callable[[str], None] = lambda _msg: None) -> None:
    """`apt-get install` the packages; raises DockwiseError naming the failing command and its last line."""
    if not _may_install():
        raise DockwiseError(
            f"{', '.join(packages)} not installed",
            f"install Debian's {' '.join(packages)} (apt-get install {' '.join(packages)})",
        )
    say(f"installing Debian's {' '.join(packages)} (apt-get)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        run_program(
            command,
            tool=" ".join(command[:2]),
            timeout=APT_TIMEOUT_S,
            env=env,
            fix="check that Debian's archive is reachable, then try again",
        )


def ensure_command(command: str, package: str, say: Callable[[str], None] = lambda _msg: None) -> str:
    """The path of `command`, installing Debian's `package` first if it is missing."""
    found = shutil.which(command) or next(
        (str(p) for p in (Path("/usr/sbin") / command, Path("/sbin") / command) if os.access(p, os.X_OK)), None
    )
    if found:
        return found
    apt_install([package], say)
    found = shutil.which(command) or (f"/usr/sbin/{command}" if os.access(f"/usr/sbin/{command}", os.X_OK) else None)
    if not found:
        raise DockwiseError(f"{package} installed but `{command}` is not on PATH", f"reinstall Debian's {package}")
    return found
