"""The slim image: one layer holding the keep-set, `FROM scratch`, with the source image's config, written by
dockwise.image.archive_writer and loaded into the engine untagged (the tag comes only after verification).

Reproducible: entries in path order, each with the source entry's mode, owner and mtime (bytecode keeps its
source's mtime, which is what a timestamp pyc was checked against; directories are dated with the source image's
`created`), no user or group names, and a config whose only time is the source image's `created`. Same source image and keep-set, same bytes, same image ID.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dockwise.core.errors import EXIT_FAILED, DockwiseError
from dockwise.image.archive_writer import ImageSpec, Layer, canonical_json, write_docker_archive
from dockwise.slim.keep import KeepSet
from dockwise.slim.rootfs import RootFS

KEPT_CONFIG = (
    "User",
    "WorkingDir",
    "Env",
    "ExposedPorts",
    "Entrypoint",
    "Cmd",
    "Healthcheck",
    "Labels",
    "StopSignal",
    "Volumes",
    "Shell",
)


def _entry(root: RootFS, path: str, kept, directory_mtime: int) -> tuple[tarfile.TarInfo, bytes | None]:
    source = root.members[kept.source]
    info = tarfile.TarInfo(path)
    info.mode, info.uid, info.gid, info.mtime = source.mode, source.uid, source.gid, int(source.mtime)
    if source.isdir():
        info.mtime = directory_mtime  # the engine's init layer touches / and /etc in every container it creates
    info.uname = info.gname = ""
    if kept.content is not None:
        info.type = tarfile.REGTYPE
        return info, kept.content
    if source.issym():
        info.type, info.linkname = tarfile.SYMTYPE, source.linkname
        return info, None
    if source.isdir():
        info.type = tarfile.DIRTYPE
        return info, None
    if source.isreg() or source.islnk():
        info.type = tarfile.REGTYPE  # a hard link whose other name may be gone: a copy is always right
        return info, root.read(kept.data or kept.source)
    info.type, info.devmajor, info.devminor = source.type, source.devmajor, source.devminor
    return info, None


def write_layer(root: RootFS, keep: KeepSet, out: Path, directory_mtime: int) -> tuple[int, int]:
    """The layer tar of the keep-set, directories dated `directory_mtime`; returns (file bytes, file count)."""
    file_bytes = files = 0
    with out.open("wb") as handle, tarfile.open(fileobj=handle, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for path in sorted(keep.kept):
            info, data = _entry(root, path, keep.kept[path], directory_mtime)
            if data is None:
                tar.addfile(info)
                continue
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            file_bytes += len(data)
            files += 1
    return file_bytes, files


def slim_config(source: dict, diff_id: str, labels: dict[str, str], *, source_ref: str, source_id: str) -> bytes:
    """The image config: the source's run configuration and labels (`source` is the engine's inspect document),
    plus org.opencontainers.image.base.* naming the source (base.digest is its image ID: a local image has no
    registry manifest digest)."""
    run = source.get("Config") or {}
    config = {key: run[key] for key in KEPT_CONFIG if run.get(key)}
    config["Labels"] = {
        **(config.get("Labels") or {}),
        "org.opencontainers.image.base.name": source_ref,
        "org.opencontainers.image.base.digest": source_id,
        **labels,
    }
    created = source.get("Created") or "1970-01-01T00:00:00Z"
    document = {
        "architecture": source.get("Architecture") or "amd64",
        "os": source.get("Os") or "linux",
        "created": created,
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": created, "created_by": f"dockwise slim {source_ref} ({source_id})"}],
    }
    if source.get("Variant"):
        document["variant"] = source["Variant"]
    return canonical_json(document)


def _epoch(created: str | None) -> int:
    """Seconds since the epoch of an RFC 3339 time such as 2026-12-02T01:40:42.730371229Z (0 when absent)."""
    if not created:
        return 0
    import datetime as dt

    stamp = created.replace("Z", "+00:00")
    stamp = re.sub(r"(\.\d{6})\d+", r"\1", stamp)
    return int(dt.datetime.fromisoformat(stamp).timestamp())


@dataclass(frozen=True)
class Written:
    """A slim image written as a `docker load`-able archive (inside the `write_image` block only)."""

    image_id: str
    archive: Path
    layer_bytes: int
    file_bytes: int
    files: int


@contextlib.contextmanager
def write_image(
    root: RootFS, keep: KeepSet, source_config: dict, labels: dict[str, str], *, source_ref: str, source_id: str
) -> Iterator[Written]:
    """The slim image as an archive in a temporary directory, for the duration of the block."""
    with tempfile.TemporaryDirectory(prefix="dockwise-slim-image-") as tmp:
        layer_path = Path(tmp) / "layer.tar"
        file_bytes, files = write_layer(root, keep, layer_path, _epoch(source_config.get("Created")))
        digest = hashlib.sha256()
        with layer_path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        layer = Layer(layer_path, "sha256:" + digest.hexdigest(), layer_path.stat().st_size)
        config = slim_config(source_config, layer.diff_id, labels, source_ref=source_ref, source_id=source_id)
        spec = ImageSpec(tags=(), config=config, layers=(layer,))
        archive = Path(tmp) / "image.tar"
        write_docker_archive([spec], archive)
        yield Written(spec.image_id, archive, layer.size, file_bytes, files)


def load(client, written: Written) -> None:
    """Load the archive into the engine; the image has no tag (RepoTags is empty)."""
    from docker.errors import DockerException

    try:
        with written.archive.open("rb") as handle:
            client.images.load(handle)
    except DockerException as exc:
        raise DockwiseError(
            f"the engine refused the slim image ({str(exc)[:160]})",
            "check the engine's free disk space and log (`dockwise doctor`), then run slim again",
            exit_code=EXIT_FAILED,
        ) from None
