"""Build a Python web app's image in one of two variants, on public bases when the engine has them, else on ours."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from importlib.resources import files
from pathlib import Path

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.core.platform import DEFAULT_PLATFORM, DEFAULT_RELEASE, Platform
from dockwise.engine.buildkit import (
    BuildRequest,
    BuildResult,
    build_image,
    host_ca_secret,
)
from dockwise.pyapp.bases import BASES, Bases
from dockwise.pyapp.bases import DEFAULT as DEFAULT_PYTHON
from dockwise.service import labels as service_labels


class BaseSource(str, Enum):
    AUTO = "auto"  # public bases if the engine already has them, else dockwise's local ones
    PUBLIC = "public"  # the Dockerfile's defaults (needs a registry or pre-loaded images)
    LOCAL = "local"  # dockwise's bases built from Debian packages


DOCKERFILES = {"standard": "Dockerfile", "distroless": "Dockerfile.distroless"}
BASE_ARGS = ("BASE_IMAGE", "BUILDER_IMAGE", "RUNTIME_IMAGE")
"""The build ARGs that choose the bases, in the reference service's Dockerfiles and in those `dockwise init` writes."""


@dataclass(frozen=True)
class Variant:
    """One way to package an app: its Dockerfile, the public bases that Dockerfile defaults to, and — when they are
    bases dockwise builds stand-ins for — which (`bases`: a Python version's slim and distroless images)."""

    name: str
    dockerfile: Path
    public_bases: dict[str, str]  # build ARG -> default image
    bases: Bases | None

    def local_build_args(self) -> dict[str, str]:
        """ARGs pointing the Dockerfile at dockwise's local bases; a DockwiseError when there are none for it."""
        if self.bases is None:
            images = ", ".join(sorted(set(self.public_bases.values()))) or "no ARG-selected base"
            known = " and ".join(BASES)
            raise DockwiseError(
                f"{self.dockerfile.name} builds on {images}, for which dockwise has no local base (it builds Python "
                f"{known})",
                f"load those images into the engine and use --base public, or `dockwise init --python {DEFAULT_PYTHON} "
                "--force` (check that the app's pins allow it)",
                exit_code=EXIT_USAGE,
            )
        return self.bases.local_build_args(self.name)


def bundled_app_dir() -> Path:
    """The reference service shipped inside the package (examples/webapp in the repository)."""
    return Path(str(files("dockwise") / "webapp"))


def variant(app_dir: Path, name: str) -> Variant:
    """The `name` variant of the app in `app_dir`, read from its Dockerfile; one-line errors for what would fail deep
    inside the build."""
    if name not in DOCKERFILES:
        raise DockwiseError(f"unknown variant {name!r}", f"use one of: {', '.join(DOCKERFILES)}", exit_code=EXIT_USAGE)
    if not app_dir.is_dir():
        raise DockwiseError(
            f"app directory {app_dir} does not exist", "pass the directory that holds the app", exit_code=EXIT_USAGE
        )
    dockerfile = app_dir / DOCKERFILES[name]
    if not dockerfile.is_file():
        raise DockwiseError(
            f"no {dockerfile.name} in {app_dir}",
            f"run `dockwise init {app_dir}` to write one, or choose another --variant",
            exit_code=EXIT_USAGE,
        )
    defaults = _base_defaults(dockerfile)
    bases = next((b for b in BASES.values() if b.public_build_args(name) == defaults), None)
    return Variant(name, dockerfile, defaults, bases)


def _base_defaults(dockerfile: Path) -> dict[str, str]:
    from dockwise.dockerfile.lint import read_dockerfile
    from dockwise.dockerfile.model import build_model
    from dockwise.dockerfile.parse import parse

    build = build_model(parse(read_dockerfile(dockerfile)))
    return {arg: build.global_args[arg] for arg in BASE_ARGS if arg in build.global_args}


def app_name(app_dir: Path) -> str:
    """What images of the app are called: `webapp` for the bundled service, else its directory's name."""
    if app_dir.resolve() == bundled_app_dir().resolve():
        return "webapp"
    return re.sub(r"[^a-z0-9._-]+", "-", app_dir.resolve().name.lower()).strip("-._") or "app"


def default_tag(app_dir: Path, variant_name: str) -> str:
    name = app_name(app_dir)
    return f"dockwise/{name}:{variant_name}" if name == "webapp" else f"{name}:{variant_name}"


def _images_present(client, names: list[str]) -> bool:
    from docker.errors import ImageNotFound

    try:
        for name in names:
            client.images.get(name)
    except ImageNotFound:
        return False
    return True


def resolve_base_args(
    chosen: Variant, source: BaseSource, client, platform: Platform = DEFAULT_PLATFORM
) -> dict[str, str]:
    """Build args that pick the bases: none for the public defaults, ours (that platform's tags) otherwise.

    AUTO never asks a registry: it uses the public images only if the engine already holds them, so a build never
    stalls on an unreachable registry. The engine holds one platform per tag, and public tags are the engine's own
    platform's: another platform always builds on dockwise's bases.
    """
    if source is BaseSource.PUBLIC:
        return {}
    if (
        source is BaseSource.AUTO
        and platform == DEFAULT_PLATFORM
        and chosen.public_bases
        and _images_present(client, list(chosen.public_bases.values()))
    ):
        return {}
    return {arg: platform.tag(image) for arg, image in chosen.local_build_args().items()}


def ensure_local_bases(
    release: str = DEFAULT_RELEASE,
    say: Callable[[str], None] = lambda _msg: None,
    platform: Platform = DEFAULT_PLATFORM,
) -> None:
    """Build dockwise's bases of a Debian release (for `platform`) into the engine unless they are there already."""
    from dockwise.debian.bases import ensure_bases

    ensure_bases(release, say=say, platforms=(platform,))


def build_app(
    app_dir: Path,
    variant_name: str,
    *,
    tag: str | None = None,
    source: BaseSource = BaseSource.AUTO,
    labels: dict[str, str] | None = None,
    on_step: Callable[[str], None] = lambda _t: None,
    ensure_bases: Callable[..., None] = lambda _release, **_options: None,
    client=None,
    platform: Platform = DEFAULT_PLATFORM,
    no_cache: bool = False,
) -> BuildResult:
    """Build `app_dir` as `variant_name` for `platform` (tagged with its -ARCH suffix unless it is the default);
    `ensure_bases(release)` (with `platform=` for another platform) is called first when our local bases are
    needed."""
    from dockwise.engine.client import sdk_client

    app_dir = app_dir.resolve()
    chosen = variant(app_dir, variant_name)
    client = client or sdk_client()
    build_args = resolve_base_args(chosen, source, client, platform)
    if build_args and chosen.bases is not None:
        if platform == DEFAULT_PLATFORM:
            ensure_bases(chosen.bases.release)
        else:
            ensure_bases(chosen.bases.release, platform=platform)
    request = BuildRequest(
        context=app_dir,
        dockerfile=chosen.dockerfile,
        tag=platform.tag(tag or default_tag(app_dir, chosen.name)),
        build_args=build_args,
        labels={
            "org.opencontainers.image.title": f"dockwise-{app_name(app_dir)}",
            service_labels.VARIANT: chosen.name,
            **(labels or {}),
        },
        secrets=host_ca_secret(),
        platform=None if platform == DEFAULT_PLATFORM else str(platform),
        no_cache=no_cache,
    )
    return build_image(request, on_step=on_step)
