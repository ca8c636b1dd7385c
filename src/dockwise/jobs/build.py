"""Build a Python web app's image in one of two variants, on public bases when the engine has them, else on ours."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from importlib.resources import files
from pathlib import Path

from dockwise.core.errors import DockwiseError
from dockwise.core.platform import DEFAULT_RELEASE
from dockwise.engine.buildkit import (
    BuildRequest,
    BuildResult,
    build_image,
    host_ca_secret,
)


class BaseSource(str, Enum):
    AUTO = "auto"      # public bases if the engine already has them, else dockwise's local ones
    PUBLIC = "public"  # the Dockerfile's defaults (needs a registry or pre-loaded images)
    LOCAL = "local"    # dockwise's bases built from Debian packages


@dataclass(frozen=True)
class Variant:
    """One way to package the app: its Dockerfile, the public images it defaults to, and our stand-ins for them."""

    name: str
    dockerfile: str
    public_bases: tuple[str, ...]
    local_build_args: dict[str, str]


VARIANTS: dict[str, Variant] = {
    "standard": Variant(
        name="standard",
        dockerfile="Dockerfile",
        public_bases=("python:3.13-slim",),
        local_build_args={"BASE_IMAGE": "dockwise/python:3.13-slim"},
    ),
    "distroless": Variant(
        name="distroless",
        dockerfile="Dockerfile.distroless",
        public_bases=("debian:13-slim", "gcr.io/distroless/python3-debian13:nonroot"),
        local_build_args={
            "BUILDER_IMAGE": "dockwise/python:3.13-slim",
            "RUNTIME_IMAGE": "dockwise/distroless-python3-debian13:nonroot",
        },
    ),
}

REQUIRED_APP_FILES = ("requirements.txt",)


def bundled_app_dir() -> Path:
    """The reference service shipped inside the package (examples/webapp in the repository)."""
    return Path(str(files("dockwise") / "webapp"))


def variant(name: str) -> Variant:
    try:
        return VARIANTS[name]
    except KeyError:
        raise DockwiseError(f"unknown variant {name!r}", f"use one of: {', '.join(VARIANTS)}", exit_code=2) from None


def default_tag(variant_name: str) -> str:
    return f"dockwise/webapp:{variant_name}"


def check_app_dir(app_dir: Path, chosen: Variant) -> None:
    """Fail early, in one line, on what would otherwise fail deep inside the build."""
    if not app_dir.is_dir():
        raise DockwiseError(f"app directory {app_dir} does not exist", "pass the directory that holds the Dockerfile")
    if not (app_dir / chosen.dockerfile).is_file():
        raise DockwiseError(f"no {chosen.dockerfile} in {app_dir}",
                            "add one, or choose another --variant")
    for name in REQUIRED_APP_FILES:
        if not (app_dir / name).is_file():
            raise DockwiseError(f"no {name} in {app_dir}", f"add a pinned {name} (with hashes) next to the Dockerfile")


def _images_present(client, names: tuple[str, ...]) -> bool:
    from docker.errors import ImageNotFound

    try:
        for name in names:
            client.images.get(name)
    except ImageNotFound:
        return False
    return True


def resolve_base_args(chosen: Variant, source: BaseSource, client) -> dict[str, str]:
    """Build args that pick the bases: none for the public defaults, ours otherwise.

    AUTO never asks a registry: it uses the public images only if the engine already holds them, so a build never
    stalls on an unreachable registry.
    """
    if source is BaseSource.PUBLIC:
        return {}
    if source is BaseSource.AUTO and _images_present(client, chosen.public_bases):
        return {}
    return dict(chosen.local_build_args)


def ensure_local_bases(say: Callable[[str], None] = lambda _msg: None) -> None:
    """Build dockwise's Debian 13 bases into the engine unless they are there already."""
    from dockwise.debian.bases import ensure_bases

    ensure_bases(DEFAULT_RELEASE, say=say)


def local_bases_needed(build_args: dict[str, str]) -> bool:
    return any(value.startswith("dockwise/") for value in build_args.values())


def build_app(app_dir: Path, variant_name: str, *, tag: str | None = None, source: BaseSource = BaseSource.AUTO,
              labels: dict[str, str] | None = None, on_step: Callable[[str], None] = lambda _t: None,
              ensure_bases: Callable[[], None] = lambda: None, client=None) -> BuildResult:
    """Build `app_dir` as `variant_name`; `ensure_bases` is called first when our local bases are needed."""
    from dockwise.engine.client import sdk_client

    chosen = variant(variant_name)
    app_dir = app_dir.resolve()
    check_app_dir(app_dir, chosen)
    client = client or sdk_client()
    build_args = resolve_base_args(chosen, source, client)
    if local_bases_needed(build_args):
        ensure_bases()
    request = BuildRequest(
        context=app_dir,
        dockerfile=app_dir / chosen.dockerfile,
        tag=tag or default_tag(chosen.name),
        build_args=build_args,
        labels={"org.opencontainers.image.title": "dockwise-webapp", "dockwise.variant": chosen.name, **(labels or {})},
        secrets=host_ca_secret(),
    )
    return build_image(request, on_step=on_step)
