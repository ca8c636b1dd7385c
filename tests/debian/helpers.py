"""Helpers shared by the base-image tests."""

from __future__ import annotations

import subprocess
import sys

from dockwise.debian.lock import load_lock
from dockwise.debian.releases import release


def dockwise(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess, as a user would run it."""
    return subprocess.run([sys.executable, "-m", "dockwise.cli", *args], capture_output=True, text=True, **kwargs)


def locked_python(codename: str) -> str:
    """The upstream Python version the lock pins, e.g. "3.13.5" from "3.13.5-2+deb13u5"."""
    rel = release(codename)
    return load_lock(codename).packages[f"python{rel.python}-minimal"].version.split("-")[0]
