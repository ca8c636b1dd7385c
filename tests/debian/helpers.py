"""Helpers shared by the base-image tests."""

from __future__ import annotations

import os
import subprocess
import sys

from dockwise.debian.lock import load_lock
from dockwise.debian.profiles import LEAN, Profile
from dockwise.debian.releases import DEFAULT_NAMESPACE, Release, release

# The bases the tests use and build if absent; another namespace keeps a development run off the shared tags.
NAMESPACE = os.environ.get("DOCKWISE_BASE_NAMESPACE", DEFAULT_NAMESPACE)


def dockwise(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess, as a user would run it (DOCKWISE_BASE_NAMESPACE is inherited)."""
    return subprocess.run([sys.executable, "-m", "dockwise.cli", *args], capture_output=True, text=True, **kwargs)


def locked_python(codename: str) -> str:
    """The upstream Python version the lock pins, e.g. "3.13.5" from "3.13.5-2+deb13u5"."""
    rel = release(codename)
    return load_lock(codename).packages[f"python{rel.python}-minimal"].version.split("-")[0]


def slim_tag(rel: Release) -> str:
    return rel.slim_tag(NAMESPACE)


def distroless_tag(rel: Release, profile: Profile = LEAN, nonroot: bool = False) -> str:
    return profile.tags(rel, NAMESPACE)[nonroot]
