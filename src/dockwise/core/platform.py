"""Platform values in one place: the platform images are built and read for, the Debian release bases default to,
and where the host's tools live."""

from __future__ import annotations

from dataclasses import dataclass

from dockwise.core.errors import EXIT_USAGE, DockwiseError


@dataclass(frozen=True)
class Platform:
    """An OCI platform (`linux/amd64`); `architecture` is also Debian's name for it. `variant` is the OCI variant
    (`v8` for arm64, as official images say; empty for amd64)."""

    os: str
    architecture: str
    variant: str = ""

    def __str__(self) -> str:
        return f"{self.os}/{self.architecture}"

    def oci(self) -> dict[str, str]:
        """The platform object of an OCI descriptor or image config."""
        return {"architecture": self.architecture, "os": self.os, **({"variant": self.variant} if self.variant else {})}

    def tag(self, tag: str) -> str:
        """The engine tag of this platform's image of `tag`: the default platform keeps `tag`, any other gets a
        suffix (`…:3.13-slim-arm64`), since the engine's image store holds one image per tag."""
        return tag if self == DEFAULT_PLATFORM else f"{tag}-{self.architecture}"


DEFAULT_PLATFORM = Platform("linux", "amd64")
ARM64 = Platform("linux", "arm64", "v8")
PLATFORMS = {str(p): p for p in (DEFAULT_PLATFORM, ARM64)}
"""The platforms dockwise builds bases and images for."""
ARCH = DEFAULT_PLATFORM.architecture


def parse_platform(text: str) -> Platform:
    """`linux/arm64`, `linux/arm64/v8`, `arm64` -> a known Platform; anything else is a usage error."""
    parts = text.strip().lower().split("/")
    name = "/".join(parts[:2]) if len(parts) > 1 else f"linux/{parts[0]}"
    name = {"linux/aarch64": "linux/arm64", "linux/x86_64": "linux/amd64"}.get(name, name)
    platform = PLATFORMS.get(name)
    if platform is None or (len(parts) == 3 and parts[2] != platform.variant):
        raise DockwiseError(f"unknown platform {text!r}", f"use one of: {', '.join(PLATFORMS)}", exit_code=EXIT_USAGE)
    return platform


def platform_of(config: dict) -> Platform | None:
    """The platform an image config declares, if dockwise knows it."""
    name = f"{config.get('os') or 'linux'}/{config.get('architecture') or ''}"
    return PLATFORMS.get(name)


DEFAULT_RELEASE = "trixie"
"""The Debian release of the default bases (Debian 13, Python 3.13)."""

DOCKER_CLIENTS = ("/usr/bin/docker", "/usr/local/bin/docker")
"""Debian's client (20.10) builds with BuildKit through DOCKER_BUILDKIT=1; a newer client without the buildx plugin
refuses to build at all, so PATH order must not decide which one we use."""
DOCKERD_BINARIES = ("/usr/sbin/dockerd", "/usr/bin/dockerd")
