"""The Python versions dockwise can build, and the base images of each (public defaults and dockwise's local ones)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bases:
    """The images one Python minor version builds on. The generated Dockerfiles default to the public images;
    `local_build_args` points them at the bases `dockwise base` builds from Debian packages (no registry)."""

    python: str  # "3.13"
    debian: str  # "13"
    release: str  # Debian codename, as `dockwise base --release` takes it
    slim: str  # public slim image (standard variant: builder and runtime)
    debian_builder: str  # public image whose /usr/bin/python3.X is the distroless runtime's interpreter
    distroless: str  # public distroless runtime
    local_slim: str
    local_distroless: str

    @property
    def interpreter(self) -> str:
        return f"/usr/bin/python{self.python}"

    def local_build_args(self, variant: str) -> dict[str, str]:
        if variant == "standard":
            return {"BASE_IMAGE": self.local_slim}
        return {"BUILDER_IMAGE": self.local_slim, "RUNTIME_IMAGE": self.local_distroless}

    def public_build_args(self, variant: str) -> dict[str, str]:
        if variant == "standard":
            return {"BASE_IMAGE": self.slim}
        return {"BUILDER_IMAGE": self.debian_builder, "RUNTIME_IMAGE": self.distroless}


BASES: dict[str, Bases] = {
    "3.13": Bases(
        "3.13",
        "13",
        "trixie",
        "python:3.13-slim",
        "debian:13-slim",
        "gcr.io/distroless/python3-debian13:nonroot",
        "dockwise/python:3.13-slim",
        "dockwise/distroless-python3-debian13:nonroot",
    ),
    "3.11": Bases(
        "3.11",
        "12",
        "bookworm",
        "python:3.11-slim",
        "debian:12-slim",
        "gcr.io/distroless/python3-debian12:nonroot",
        "dockwise/python:3.11-slim",
        "dockwise/distroless-python3-debian12:nonroot",
    ),
}
SUPPORTED = tuple(sorted(BASES, key=lambda v: tuple(map(int, v.split(".")))))  # ("3.11", "3.13")
DEFAULT = "3.13"
