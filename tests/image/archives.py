"""Hand-written image archives for tests: layers as in-memory tars, docker-save archives and OCI layouts."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class F:
    """One layer entry. kind: file, dir, symlink, hardlink, whiteout (name is the deleted path), opaque (name is the dir)."""

    name: str
    data: bytes = b""
    mode: int = 0o644
    kind: str = "file"
    link: str = ""
    uid: int = 0
    gid: int = 0


def layer(*entries: F) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in entries:
            name = entry.name
            if entry.kind == "whiteout":
                head, _, base = name.rpartition("/")
                name = f"{head}/.wh.{base}" if head else f".wh.{base}"
            elif entry.kind == "opaque":
                name = f"{name.rstrip('/')}/.wh..wh..opq"
            info = tarfile.TarInfo(name)
            info.mode, info.uid, info.gid, info.mtime = entry.mode, entry.uid, entry.gid, 0
            data = None
            if entry.kind == "dir":
                info.type = tarfile.DIRTYPE
                info.mode = entry.mode if entry.mode != 0o644 else 0o755
            elif entry.kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, entry.link
            elif entry.kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, entry.link
            else:
                info.size = len(entry.data)
                data = io.BytesIO(entry.data)
            tar.addfile(info, data)
    return buffer.getvalue()


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def image_config(layers: list[bytes], *, history: list[str] | None = None, **config) -> dict:
    steps = history or [f"COPY step {i} # test" for i in range(len(layers))]
    return {
        "architecture": "amd64",
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [sha(data) for data in layers]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": step} for step in steps],
    }


@dataclass
class Archive:
    """Members of an outer tar (docker-save or OCI-in-tar), written in order."""

    members: dict[str, bytes] = field(default_factory=dict)

    def write_tar(self, path: Path) -> Path:
        with tarfile.open(path, "w") as tar:
            for name, data in self.members.items():
                info = tarfile.TarInfo(name)
                info.size, info.mtime = len(data), 0
                tar.addfile(info, io.BytesIO(data))
        return path

    def write_dir(self, path: Path) -> Path:
        for name, data in self.members.items():
            target = path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return path


def docker_save(
    layers: list[bytes],
    config: dict | None = None,
    tags: tuple[str, ...] = ("test/image:1",),
    *,
    raw_config: bytes | None = None,
    entry: dict | None = None,
) -> Archive:
    """The legacy `docker save` layout of Engine 20.10: <id>.json, <dir>/layer.tar, manifest.json, repositories.

    `raw_config` replaces the config's JSON text (invalid or hostile JSON); `entry` updates the manifest.json entry."""
    config = config if config is not None else image_config(layers)
    raw = raw_config if raw_config is not None else json.dumps(config).encode()
    config_name = sha(raw).split(":")[1] + ".json"
    archive = Archive()
    names = []
    for data in layers:
        directory = sha(data).split(":")[1]
        archive.members[f"{directory}/VERSION"] = b"1.0"
        archive.members[f"{directory}/layer.tar"] = data
        names.append(f"{directory}/layer.tar")
    archive.members[config_name] = raw
    manifest = [{"Config": config_name, "RepoTags": list(tags), "Layers": names, **(entry or {})}]
    archive.members["manifest.json"] = json.dumps(manifest).encode()
    return archive


def oci_layout(
    layers: list[bytes],
    config: dict | None = None,
    *,
    compress: bool = True,
    ref: str = "1",
    raw_config: bytes | None = None,
    edit_manifest=None,
    edit_index=None,
) -> Archive:
    """An OCI image layout (spec 1.0.0) with tar+gzip (or plain tar) layers. `edit_manifest(manifest)` and
    `edit_index(index)` change those documents in place before they are written (their digests follow)."""
    config = config if config is not None else image_config(layers)
    raw = raw_config if raw_config is not None else json.dumps(config).encode()
    archive = Archive({"oci-layout": b'{"imageLayoutVersion":"1.0.0"}'})
    descriptors = []
    for data in layers:
        blob = gzip.compress(data, mtime=0) if compress else data
        media = "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if compress else "")
        archive.members[f"blobs/sha256/{sha(blob).split(':')[1]}"] = blob
        descriptors.append({"mediaType": media, "digest": sha(blob), "size": len(blob)})
    archive.members[f"blobs/sha256/{sha(raw).split(':')[1]}"] = raw
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(raw), "size": len(raw)},
        "layers": descriptors,
    }
    if edit_manifest is not None:
        edit_manifest(manifest)
    manifest_raw = json.dumps(manifest).encode()
    archive.members[f"blobs/sha256/{sha(manifest_raw).split(':')[1]}"] = manifest_raw
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": sha(manifest_raw),
                "size": len(manifest_raw),
                "annotations": {"org.opencontainers.image.ref.name": ref},
            }
        ],
    }
    if edit_index is not None:
        edit_index(index)
    archive.members["index.json"] = json.dumps(index).encode()
    return archive
