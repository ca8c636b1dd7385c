"""Host tools the base builder runs (gpgv, mmdebstrap): found, or installed with apt-get as root on Debian."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Callable

from dockwise.errors import DockwiseError

KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")


def _apt_install(packages: list[str], say: Callable[[str], None]) -> None:
    say(f"installing {' '.join(packages)} (apt-get)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise DockwiseError(
                f"`{' '.join(command)}` failed: {tail[0]}", f"install {' '.join(packages)} yourself, then rerun"
            )


def ensure_tools(needs: dict[str, str], say: Callable[[str], None] = lambda _m: None) -> None:
    """Make sure each path in `needs` (path -> Debian package) exists; apt-get installs the missing as root on Debian."""
    missing = sorted({package for path, package in needs.items() if not _present(path)})
    if not missing:
        return
    if os.geteuid() != 0 or not Path("/etc/debian_version").exists():
        raise DockwiseError(
            f"missing host tools: {', '.join(missing)}", f"install them (`apt-get install {' '.join(missing)}`)"
        )
    _apt_install(missing, say)
    still = sorted({package for path, package in needs.items() if not _present(path)})
    if still:
        raise DockwiseError(f"{', '.join(still)} installed but not usable", "reinstall them with apt-get")


def _present(path: str) -> bool:
    return Path(path).exists() if path.startswith("/") else shutil.which(path) is not None


VERIFY_TOOLS = {"gpgv": "gpgv", str(KEYRING): "debian-archive-keyring"}
SLIM_TOOLS = {"mmdebstrap": "mmdebstrap"}
