"""Platform values in one place: the platform images are built and read for, the Debian release bases default to,
and where the host's tools live."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    """An OCI platform (`linux/amd64`); `architecture` is also Debian's name for it."""

    os: str
    architecture: str

    def __str__(self) -> str:
        return f"{self.os}/{self.architecture}"


DEFAULT_PLATFORM = Platform("linux", "amd64")
ARCH = DEFAULT_PLATFORM.architecture

DEFAULT_RELEASE = "trixie"
"""The Debian release of the default bases (Debian 13, Python 3.13)."""

DOCKER_CLIENTS = ("/usr/bin/docker", "/usr/local/bin/docker")
"""Debian's client (20.10) builds with BuildKit through DOCKER_BUILDKIT=1; a newer client without the buildx plugin
refuses to build at all, so PATH order must not decide which one we use."""
DOCKERD_BINARIES = ("/usr/sbin/dockerd", "/usr/bin/dockerd")
