"""Image archives written without an engine: an OCI image layout, and a `docker save` tar that holds the same
layout plus `manifest.json`/`repositories` (Engine 20.10 refuses OCI-only archives). Image ID = sha256(config).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dockwise.core.atomic import atomic_file
from dockwise.core.errors import DockwiseError
from dockwise.core.platform import ARCH

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"


@dataclass(frozen=True)
class Layer:
    """An uncompressed layer tar on disk; `diff_id` is the sha256 of its bytes."""

    path: Path
    diff_id: str
    size: int


@dataclass(frozen=True)
class ImageSpec:
    """One image to write: its tags (`repo:tag`), canonical config JSON and layers, base first."""

    tags: tuple[str, ...]
    config: bytes
    layers: tuple[Layer, ...]

    @property
    def image_id(self) -> str:
        return "sha256:" + hashlib.sha256(self.config).hexdigest()

    @property
    def platform(self) -> dict[str, str]:
        """The OCI index's platform of this image, from its config."""
        config = json.loads(self.config)
        variant = {"variant": config["variant"]} if config.get("variant") else {}
        return {"architecture": config.get("architecture", ARCH), "os": config.get("os", "linux"), **variant}


def canonical_json(value: object) -> bytes:
    """JSON with sorted keys and no spaces: the same value always gives the same bytes (and so the same digest)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _blob_name(digest: str) -> str:
    return "blobs/" + digest.replace(":", "/", 1)


def _add_blobs(blobs: dict[str, bytes | Path], image: ImageSpec) -> tuple[bytes, str]:
    """Put `image`'s layers, config and manifest among `blobs`; returns its manifest and the manifest's digest."""
    manifest = _manifest(image)
    digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    for layer in image.layers:
        blobs.setdefault(_blob_name(layer.diff_id), layer.path)
    blobs[_blob_name(image.image_id)] = image.config
    blobs[_blob_name(digest)] = manifest
    return manifest, digest


def _manifest(image: ImageSpec) -> bytes:
    return canonical_json(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": image.image_id, "size": len(image.config)},
            "layers": [{"mediaType": OCI_LAYER, "digest": layer.diff_id, "size": layer.size} for layer in image.layers],
        }
    )


def _split(tag: str) -> tuple[str, str]:
    repo, _, name = tag.rpartition(":")
    return (repo, name) if repo and "/" not in name else (tag, "latest")


def _files(images: list[ImageSpec]) -> Iterator[tuple[str, bytes | Path]]:
    """Every file of the layout and the docker-save extras, each blob once, in a fixed order."""
    blobs: dict[str, bytes | Path] = {}
    index: list[dict] = []
    legacy: list[dict] = []
    repositories: dict[str, dict[str, str]] = {}
    for image in images:
        manifest, manifest_digest = _add_blobs(blobs, image)
        for tag in image.tags:
            repo, name = _split(tag)
            index.append(
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": manifest_digest,
                    "size": len(manifest),
                    "annotations": {"io.containerd.image.name": tag, "org.opencontainers.image.ref.name": name},
                    "platform": image.platform,
                }
            )
            repositories.setdefault(repo, {})[name] = image.image_id.split(":", 1)[1]
        legacy.append(
            {
                "Config": _blob_name(image.image_id),
                "RepoTags": list(image.tags),
                "Layers": [_blob_name(layer.diff_id) for layer in image.layers],
            }
        )
    yield "oci-layout", canonical_json({"imageLayoutVersion": "1.0.0"})
    yield "index.json", canonical_json({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": index})
    yield "manifest.json", canonical_json(legacy)
    yield "repositories", canonical_json(repositories)
    for name in sorted(blobs):
        yield name, blobs[name]


def write_docker_archive(images: list[ImageSpec], out: Path) -> None:
    """A `docker load`-able tar (legacy manifest.json + OCI layout), written to a temp file and renamed into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(out, "wb") as handle, tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for directory in ("blobs", "blobs/sha256"):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        for name, content in _files(images):
            info = tarfile.TarInfo(name)
            info.mode = 0o644
            if isinstance(content, Path):
                info.size = content.stat().st_size
                with content.open("rb") as source:
                    tar.addfile(info, source)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))


def check_oci_target(out_dir: Path) -> None:
    """Refuse to replace anything but an empty directory or an OCI layout (call it before long work, too)."""
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / "oci-layout").is_file():
        raise DockwiseError(f"{out_dir} exists and is not an OCI layout", "choose a new or empty directory", 2)


def write_oci_layout(images: list[ImageSpec], out_dir: Path) -> None:
    """An OCI image layout directory (plus manifest.json), built beside `out_dir` and renamed into place."""
    _write_layout(_files(images), out_dir)


def _write_layout(files: Iterator[tuple[str, bytes | Path]], out_dir: Path) -> None:
    check_oci_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        (tmp / "blobs" / "sha256").mkdir(parents=True)
        for name, content in files:
            target = tmp / name
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                target.write_bytes(content)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


@dataclass(frozen=True)
class IndexSpec:
    """A multi-platform image: one name (`repo:tag`) and its image for each platform."""

    tag: str
    images: tuple[ImageSpec, ...]


def _index_files(indexes: list[IndexSpec]) -> Iterator[tuple[str, bytes | Path]]:
    """An OCI layout whose index.json names one image index per IndexSpec, each listing a manifest per platform
    (the shape BuildKit's OCI exporter writes for a multi-platform build)."""
    blobs: dict[str, bytes | Path] = {}
    entries: list[dict] = []
    for spec in indexes:
        manifests = []
        for image in spec.images:
            manifest, digest = _add_blobs(blobs, image)
            manifests.append(
                {"mediaType": OCI_MANIFEST, "digest": digest, "size": len(manifest), "platform": image.platform}
            )
        index = canonical_json({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests})
        digest = "sha256:" + hashlib.sha256(index).hexdigest()
        blobs[_blob_name(digest)] = index
        entries.append(
            {
                "mediaType": OCI_INDEX,
                "digest": digest,
                "size": len(index),
                "annotations": {
                    "io.containerd.image.name": spec.tag,
                    "org.opencontainers.image.ref.name": _split(spec.tag)[1],
                },
            }
        )
    yield "oci-layout", canonical_json({"imageLayoutVersion": "1.0.0"})
    yield "index.json", canonical_json({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries})
    for name in sorted(blobs):
        yield name, blobs[name]


def index_digest(spec: IndexSpec) -> str:
    """The digest of the image index `write_oci_index_layout` writes for `spec` (what a registry would name it by)."""
    for name, content in _index_files([spec]):
        if name == "index.json":
            assert isinstance(content, bytes)
            return json.loads(content)["manifests"][0]["digest"]
    raise AssertionError("no index.json")


def write_oci_index_layout(indexes: list[IndexSpec], out_dir: Path) -> None:
    """An OCI image layout of multi-platform images, built beside `out_dir` and renamed into place."""
    _write_layout(_index_files(indexes), out_dir)
