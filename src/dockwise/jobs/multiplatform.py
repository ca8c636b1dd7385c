"""`dockwise build --platform linux/amd64,linux/arm64`: one BuildKit build per platform (a foreign one under
emulation), each tagged with its platform, then — since Engine 20.10's builder exports one platform per image to
the engine's store and cannot write an index itself — an OCI image index assembled here from the engine's images:
every config and layer exported through the API, checked against its digest, written as an OCI layout whose
index.json names one image index with a manifest per platform.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dockwise.core.errors import DockwiseError
from dockwise.core.platform import Platform
from dockwise.engine.buildkit import BuildResult
from dockwise.image.archive_writer import (
    ImageSpec,
    IndexSpec,
    Layer,
    check_oci_target,
    index_digest,
    write_oci_index_layout,
)
from dockwise.jobs.build import BaseSource, build_app, default_tag, ensure_local_bases


@dataclass(frozen=True)
class PlatformBuild:
    platform: Platform
    result: BuildResult

    def as_dict(self) -> dict[str, object]:
        return {
            "platform": str(self.platform),
            "tag": self.result.tag,
            "image_id": self.result.image_id,
            "seconds": round(self.result.seconds, 2),
        }


@dataclass(frozen=True)
class MultiBuild:
    """Each platform's build, and the image index written (its digest and layout), if one was asked for."""

    builds: tuple[PlatformBuild, ...]
    index_digest: str | None = None
    oci_dir: Path | None = None


def build_platforms(
    app_dir: Path,
    variant: str,
    platforms: list[Platform],
    *,
    tag: str | None = None,
    source: BaseSource = BaseSource.AUTO,
    oci_dir: Path | None = None,
    no_cache: bool = False,
    labels: dict[str, str] | None = None,
    on_step: Callable[[str], None] = lambda _t: None,
    client=None,
) -> MultiBuild:
    """Build `app_dir` for each platform in turn; with `oci_dir`, write the multi-platform image index there."""
    from dockwise.engine.client import sdk_client

    if oci_dir is not None:
        check_oci_target(oci_dir)
    client = client or sdk_client()
    builds = []
    for platform in platforms:
        on_step(f"building for {platform}")
        result = build_app(
            app_dir,
            variant,
            tag=tag,
            source=source,
            labels=labels,
            on_step=on_step,
            ensure_bases=ensure_local_bases,
            client=client,
            platform=platform,
            no_cache=no_cache,
        )
        builds.append(PlatformBuild(platform, result))
    if oci_dir is None:
        return MultiBuild(tuple(builds))
    name = tag or default_tag(app_dir.resolve(), variant)
    with tempfile.TemporaryDirectory(prefix="dockwise-index-") as tmp:
        specs = tuple(
            engine_image_spec(client, build.result.image_id, name, Path(tmp) / str(number))
            for number, build in enumerate(builds)
        )
        index = IndexSpec(name, specs)
        write_oci_index_layout([index], oci_dir)
    return MultiBuild(tuple(builds), index_digest(index), oci_dir)


def engine_image_spec(client, image_id: str, tag: str, workdir: Path) -> ImageSpec:
    """An engine image as an ImageSpec: its config bytes (sha256 = the image ID) and layer tars (each sha256 = its
    diff_id), exported with `docker save` through the API into `workdir`."""
    from docker.errors import DockerException

    workdir.mkdir(parents=True)
    archive = workdir / "image.tar"
    try:
        with archive.open("wb") as out:
            for chunk in client.images.get(image_id).save(named=False):
                out.write(chunk)
    except DockerException as exc:
        raise DockwiseError(
            f"the engine could not export {image_id[:19]} ({str(exc)[:160]})", "check `dockwise doctor`"
        ) from None
    with tarfile.open(archive) as saved:
        manifest = json.load(_member(saved, "manifest.json"))[0]
        config = _member(saved, manifest["Config"]).read()
        if "sha256:" + hashlib.sha256(config).hexdigest() != image_id:
            raise DockwiseError(f"the exported config of {image_id[:19]} does not match its ID", "export it again")
        diff_ids = json.loads(config)["rootfs"]["diff_ids"]
        layers = []
        for number, (name, diff_id) in enumerate(zip(manifest["Layers"], diff_ids, strict=True)):
            path = workdir / f"layer-{number}.tar"
            digest = hashlib.sha256()
            with path.open("wb") as out:
                source = _member(saved, name)
                while chunk := source.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
            if "sha256:" + digest.hexdigest() != diff_id:
                raise DockwiseError(f"layer {number} of {image_id[:19]} does not match its diff_id", "export it again")
            layers.append(Layer(path, diff_id, path.stat().st_size))
    archive.unlink()
    return ImageSpec((tag,), config, tuple(layers))


def _member(archive: tarfile.TarFile, name: str):
    handle = archive.extractfile(name)
    if handle is None:
        raise DockwiseError(f"the engine's export lacks {name}", "export it again")
    return handle
