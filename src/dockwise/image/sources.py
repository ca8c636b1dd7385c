"""Image sources: the engine (streamed `docker save`), a `docker save` archive, an OCI layout (directory or tar).

The last two need no engine. Every blob is verified: the config against the image id or its descriptor, each
layer against its descriptor digest and size and against the config's `rootfs.diff_ids`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tarfile
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from dockwise.errors import DockwiseError
from dockwise.image.blob import HashingReader, Window, check_digest_syntax, digest_window
from dockwise.image.layer import Budget, LayerIndex, MAX_ENTRIES, read_layer

JSON_LIMIT = 16 << 20
OUTER_ENTRY_LIMIT = 100_000
GZIP_LAYER_TYPES = (
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
)
TAR_LAYER_TYPES = ("application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.nondistributable.v1.tar")
INDEX_TYPES = ("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json")


@dataclass(frozen=True)
class Source:
    """Where an image comes from: kind is 'engine', 'docker-archive' or 'oci'; `tag` selects one image in an archive."""

    kind: str
    location: str
    tag: str | None = None

    def describe(self) -> str:
        return self.location if self.kind == "engine" else f"{self.kind}:{self.location}"


@dataclass(frozen=True)
class RawLayer:
    """One verified layer: its index, diff_id, tar size and compressed size (gzip -6 measured, or the blob's)."""

    index: LayerIndex
    diff_id: str
    tar_size: int
    compressed_size: int | None


@dataclass(frozen=True)
class RawImage:
    """A verified image: id (sha256 of the config), config JSON, tags, layers base first."""

    source: Source
    id: str
    config: dict
    tags: tuple[str, ...]
    layers: tuple[RawLayer, ...]


def parse_source(text: str) -> Source:
    """`docker-archive:PATH`, `oci:PATH[:TAG]`, `docker:REF`, an existing path (kind detected), else an engine ref."""
    for prefix in ("docker-archive:", "oci:", "docker:"):
        if text.startswith(prefix):
            rest = text[len(prefix):]
            if prefix == "docker:":
                return Source("engine", rest)
            tag = None
            if prefix == "oci:" and not Path(rest).exists() and ":" in rest:
                rest, tag = rest.rsplit(":", 1)
            return Source(prefix[:-1], rest, tag)
    path = Path(text)
    if path.is_dir():
        return Source("oci", text)
    if path.is_file():
        return Source("archive", text)
    return Source("engine", text)


def read_image(source: Source, *, gzip_size: bool = True, max_entries: int = MAX_ENTRIES) -> RawImage:
    """Read and verify every blob of the image; layers are indexed, never extracted."""
    with _open_container(source) as (container, engine_tags):
        if container.has("manifest.json") and source.kind != "oci":
            return _read_docker_save(source, container, engine_tags, gzip_size=gzip_size, max_entries=max_entries)
        if container.has("index.json"):
            return _read_oci(source, container, gzip_size=gzip_size, max_entries=max_entries)
        raise DockwiseError(
            f"{source.describe()}: neither a docker-save archive (manifest.json) nor an OCI layout (index.json)",
            "pass the output of `docker save` or an OCI image layout",
            exit_code=2,
        )


class _Container:
    """Named blobs: the members of a tar, or the files under a directory."""

    def __init__(self, fd: int, members: dict[str, tuple[int, int]] | None, root: Path | None) -> None:
        self._fd = fd
        self._members = members
        self._root = root
        self._fds: list[int] = []

    def has(self, name: str) -> bool:
        if self._members is not None:
            return name in self._members
        return (self._root / name).is_file()

    def open(self, name: str) -> Window:
        if self._members is not None:
            if name not in self._members:
                raise DockwiseError(f"blob {name[:120]!r} is missing from the archive", "re-create the archive", exit_code=2)
            offset, size = self._members[name]
            return Window(self._fd, offset, size)
        if name.startswith("/") or ".." in Path(name).parts:
            raise DockwiseError(f"blob path {name[:120]!r} leaves the layout", "the layout is not valid", exit_code=2)
        try:
            fd = os.open(self._root / name, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            raise DockwiseError(f"blob {name[:120]!r} is missing from the layout", "re-create the layout", exit_code=2) from None
        except OSError as exc:
            raise DockwiseError(f"blob {name[:120]!r} cannot be opened ({exc.strerror})", "blobs must be regular files", exit_code=2) from None
        self._fds.append(fd)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DockwiseError(f"blob {name[:120]!r} is not a regular file", "the layout is not valid", exit_code=2)
        return Window(fd, 0, os.fstat(fd).st_size)

    def read_json(self, name: str, expect: str | None = None):
        window = self.open(name)
        if window.size > JSON_LIMIT:
            raise DockwiseError(f"{name[:120]!r} is {window.size} bytes; JSON above {JSON_LIMIT} is refused", "", exit_code=2)
        data = window.read()
        if expect is not None:
            _verify(name, "sha256:" + hashlib.sha256(data).hexdigest(), expect)
        try:
            return json.loads(data), data
        except (ValueError, UnicodeDecodeError) as exc:
            raise DockwiseError(f"{name[:120]!r} is not valid JSON ({exc})", "re-create the archive", exit_code=2) from None

    def close(self) -> None:
        for fd in self._fds:
            os.close(fd)


@contextlib.contextmanager
def _open_container(source: Source) -> Iterator[tuple[_Container, tuple[str, ...]]]:
    if source.kind == "engine":
        with tempfile.TemporaryFile(prefix="dockwise-save-") as spool:
            tags = _save_from_engine(source.location, spool)
            yield from _tar_container(spool.fileno(), source, tags)
        return
    path = Path(source.location)
    if path.is_dir():
        if not (path / "oci-layout").is_file():
            raise DockwiseError(f"{path} has no oci-layout file", "pass an OCI image layout directory", exit_code=2)
        container = _Container(-1, None, path)
        try:
            yield container, ()
        finally:
            container.close()
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise DockwiseError(f"cannot open {path} ({exc.strerror})", "pass an existing archive or layout", exit_code=2) from None
    try:
        yield from _tar_container(fd, source, ())
    finally:
        os.close(fd)


def _tar_container(fd: int, source: Source, tags: tuple[str, ...]):
    container = _Container(fd, _index_outer_tar(fd, source), None)
    try:
        yield container, tags
    finally:
        container.close()


def _index_outer_tar(fd: int, source: Source) -> dict[str, tuple[int, int]]:
    members: dict[str, tuple[int, int]] = {}
    window = Window(fd, 0, os.fstat(fd).st_size)
    try:
        with tarfile.open(fileobj=window, mode="r:") as tar:
            while (member := tar.next()) is not None:
                tar.members.clear()
                if len(members) >= OUTER_ENTRY_LIMIT:
                    raise DockwiseError(f"{source.describe()}: more than {OUTER_ENTRY_LIMIT} entries", "not an image archive", exit_code=2)
                if member.isreg():
                    if member.offset_data + member.size > window.size:
                        raise DockwiseError(f"{source.describe()}: archive is truncated at {member.name[:80]!r}", "re-create it", exit_code=2)
                    members[member.name.removeprefix("./")] = (member.offset_data, member.size)
    except (tarfile.TarError, EOFError) as exc:
        raise DockwiseError(f"{source.describe()}: not a readable tar archive ({exc})", "pass a `docker save` tar or an OCI layout", exit_code=2) from None
    return members


def _save_from_engine(ref: str, spool) -> tuple[str, ...]:
    from docker.errors import DockerException, ImageNotFound

    from dockwise.engine.client import sdk_client

    client = sdk_client(timeout=600)
    try:
        image = client.images.get(ref)
        for chunk in image.save(named=bool(image.tags)):
            spool.write(chunk)
    except ImageNotFound:
        raise DockwiseError(f"image {ref!r} is not in the engine", "build it first, or pass a docker-save archive or OCI layout", exit_code=2) from None
    except DockerException as exc:
        raise DockwiseError(f"the engine could not export {ref!r} ({str(exc)[:160]})", "check `dockwise doctor`", exit_code=2) from None
    spool.flush()
    return tuple(image.tags)


def _verify(what: str, actual: str, expected: str) -> None:
    if actual != expected:
        raise DockwiseError(f"{what[:120]}: digest mismatch (expected {expected}, got {actual})", "the blob is corrupt or was altered", exit_code=2)


def _diff_ids(config: dict, count: int, where: str) -> list[str]:
    rootfs = config.get("rootfs") if isinstance(config, dict) else None
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if not isinstance(diff_ids, list) or len(diff_ids) != count:
        raise DockwiseError(f"{where}: config lists {len(diff_ids) if isinstance(diff_ids, list) else 'no'} diff_ids for {count} layers", "the image config is not valid", exit_code=2)
    return [check_digest_syntax(d, where) for d in diff_ids]


@dataclass(frozen=True)
class _LayerPlan:
    name: str
    diff_id: str
    blob_digest: str | None
    blob_size: int | None
    gzip: bool


def _read_docker_save(source, container, engine_tags, *, gzip_size, max_entries) -> RawImage:
    manifest, _ = container.read_json("manifest.json")
    if not isinstance(manifest, list) or not manifest or not all(isinstance(m, dict) for m in manifest):
        raise DockwiseError("manifest.json is not a list of images", "re-create the archive with `docker save`", exit_code=2)
    entry = _pick_save_entry(manifest, source.tag)
    config_name = entry.get("Config")
    layers = entry.get("Layers")
    if not isinstance(config_name, str) or not isinstance(layers, list) or not all(isinstance(x, str) for x in layers):
        raise DockwiseError("manifest.json entry lacks Config or Layers", "re-create the archive with `docker save`", exit_code=2)
    config, raw = container.read_json(config_name)
    image_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    named = _digest_in_name(config_name)
    if named is not None:
        _verify(config_name, image_id, named)
    diff_ids = _diff_ids(config, len(layers), config_name)
    plans = [_LayerPlan(name, diff_id, _digest_in_name(name), None, False) for name, diff_id in zip(layers, diff_ids)]
    tags = tuple(t for t in entry.get("RepoTags") or () if isinstance(t, str)) or engine_tags
    return RawImage(source, image_id, config, tags, _read_layers(container, plans, gzip_size=gzip_size, max_entries=max_entries))


def _pick_save_entry(manifest: list[dict], tag: str | None) -> dict:
    if tag is None:
        return manifest[0]
    for entry in manifest:
        if any(t == tag or t.endswith(":" + tag) for t in entry.get("RepoTags") or ()):
            return entry
    raise DockwiseError(f"no image tagged {tag!r} in the archive", "list its tags with `tar -xOf ARCHIVE manifest.json`", exit_code=2)


def _digest_in_name(name: str) -> str | None:
    """Legacy `<hex>.json` / `<hex>/layer.tar` name the config by digest; `blobs/sha256/<hex>` names any blob."""
    stem = name[len("blobs/sha256/"):] if name.startswith("blobs/sha256/") else name.removesuffix(".json") if name.endswith(".json") else None
    if stem is not None and len(stem) == 64 and all(c in "0123456789abcdef" for c in stem):
        return "sha256:" + stem
    return None


def _read_oci(source, container, *, gzip_size, max_entries) -> RawImage:
    index, _ = container.read_json("index.json")
    manifest_desc, ref_name = _pick_oci_manifest(container, index, source.tag, depth=0)
    manifest, _ = container.read_json(_blob_name(manifest_desc), expect=manifest_desc["digest"])
    config_desc = manifest.get("config") if isinstance(manifest, dict) else None
    layer_descs = manifest.get("layers") if isinstance(manifest, dict) else None
    if not isinstance(config_desc, dict) or not isinstance(layer_descs, list) or not all(isinstance(d, dict) for d in layer_descs):
        raise DockwiseError("OCI manifest lacks config or layers", "the layout is not valid", exit_code=2)
    config_name = _blob_name(config_desc)
    config, raw = container.read_json(config_name, expect=config_desc["digest"])
    diff_ids = _diff_ids(config, len(layer_descs), config_name)
    plans = []
    for desc, diff_id in zip(layer_descs, diff_ids):
        media = desc.get("mediaType", "")
        if media not in GZIP_LAYER_TYPES + TAR_LAYER_TYPES:
            raise DockwiseError(f"layer media type {str(media)[:80]!r} is not supported", "use tar or tar+gzip layers", exit_code=2)
        plans.append(_LayerPlan(_blob_name(desc), diff_id, desc["digest"], desc.get("size"), media in GZIP_LAYER_TYPES))
    image_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    tags = (ref_name,) if ref_name else ()
    return RawImage(source, image_id, config, tags, _read_layers(container, plans, gzip_size=gzip_size, max_entries=max_entries))


def _blob_name(desc: dict) -> str:
    digest = check_digest_syntax(desc.get("digest"), "descriptor")
    return "blobs/sha256/" + digest.split(":", 1)[1]


def _pick_oci_manifest(container, index, tag: str | None, *, depth: int) -> tuple[dict, str | None]:
    manifests = index.get("manifests") if isinstance(index, dict) else None
    if not isinstance(manifests, list) or not manifests or not all(isinstance(m, dict) for m in manifests):
        raise DockwiseError("index.json lists no manifests", "the layout is not valid", exit_code=2)
    for desc in manifests:
        ref_name = (desc.get("annotations") or {}).get("org.opencontainers.image.ref.name")
        if tag is not None and ref_name != tag:
            continue
        if desc.get("mediaType") in INDEX_TYPES:
            if depth >= 3:
                raise DockwiseError("image indexes nest too deeply", "the layout is not valid", exit_code=2)
            nested, _ = container.read_json(_blob_name(desc), expect=desc["digest"])
            found, nested_name = _pick_oci_manifest(container, nested, None, depth=depth + 1)
            return found, ref_name or nested_name
        return desc, ref_name
    raise DockwiseError(f"no manifest named {tag!r} in index.json", "pass oci:PATH:TAG with a ref name the layout has", exit_code=2)


def _read_layers(container, plans: list[_LayerPlan], *, gzip_size: bool, max_entries: int) -> tuple[RawLayer, ...]:
    budget = Budget(max_entries=max_entries)
    layers: list[RawLayer] = []
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="dockwise-digest") as pool:
        pending: list[tuple[_LayerPlan, LayerIndex, Future, str | None, int]] = []
        for number, plan in enumerate(plans, 1):
            what = f"layer {number} ({plan.name[:80]})"
            window = container.open(plan.name)
            if plan.blob_size is not None and plan.blob_size != window.size:
                raise DockwiseError(f"{what}: size {window.size} differs from its descriptor ({plan.blob_size})", "the blob is corrupt", exit_code=2)
            gzip = plan.gzip or window.pread(2, 0) == b"\x1f\x8b"
            future = pool.submit(digest_window, window, gzip_size=gzip_size and not gzip)
            if gzip:
                stream = HashingReader(window.clone())
                index = read_layer(stream, what=what, budget=budget, compressed=True)
                pending.append((plan, index, future, stream.drain(), stream.count))
            else:
                index = read_layer(window.clone(), what=what, budget=budget, compressed=False)
                pending.append((plan, index, future, None, window.size))
        for number, (plan, index, future, tar_digest, tar_size) in enumerate(pending, 1):
            what = f"layer {number} ({plan.name[:80]})"
            blob = future.result()
            if plan.blob_digest is not None:
                _verify(what, blob.sha256, plan.blob_digest)
            _verify(what + " diff_id", tar_digest or blob.sha256, plan.diff_id)
            compressed = blob.size if tar_digest is not None else blob.gzip_size
            layers.append(RawLayer(index, plan.diff_id, tar_size, compressed))
    return tuple(layers)
