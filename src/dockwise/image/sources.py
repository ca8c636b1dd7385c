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
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, TypeVar

from dockwise.core.errors import DockwiseError
from dockwise.image.blob import (
    Blob,
    Pending,
    check_digest_syntax,
    digest_blob,
    map_file,
)
from dockwise.image.layer_index import MAX_ENTRIES, Budget, LayerIndex, read_layer
from dockwise.image.tarstream import GzipSource, MappedSource, TarError, members

T = TypeVar("T")
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
    """Where an image comes from: kind is 'engine', 'docker-archive', 'oci', or 'archive' (a tar, format detected).
    `tag` selects one image of an archive or layout that holds several."""

    kind: str
    location: str
    tag: str | None = None

    def describe(self) -> str:
        return self.location if self.kind == "engine" else f"{self.kind}:{self.location}"


class RawLayer(NamedTuple):
    """One verified layer: its index, diff_id, tar size and compressed size (gzip -6 measured, or the blob's)."""

    listing: LayerIndex
    diff_id: str
    tar_size: int
    compressed_size: int | None


@dataclass(frozen=True)
class RawImage:
    """An image as read: id (sha256 of the config), config JSON, tags, layers base first. `read_image` returns
    nothing derived from it before every digest has verified."""

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
    if text.startswith(("/", "./", "../", "~")) or text.endswith(".tar"):
        raise DockwiseError(f"{text} does not exist", "pass an existing archive or layout, or an engine image name", exit_code=2)
    return Source("engine", text)


def read_image(source: Source, *, gzip_size: bool = True, max_entries: int = MAX_ENTRIES,
               analyse: Callable[[RawImage], T] | None = None) -> T | RawImage:
    """Read the image, index its layers (never extracted) and verify every blob; return `analyse(image)`.

    `analyse` may run while the layer digests are still being computed in a worker thread (it overlaps them when
    no gzip size has to be measured first); its result is returned only after every digest has verified.
    Without `analyse`, the verified RawImage itself is returned.
    """
    with _open_container(source) as (container, engine_tags):
        if container.has("manifest.json") and source.kind != "oci":
            head = _docker_save_head(source, container, engine_tags)
        elif container.has("index.json"):
            head = _oci_head(source, container)
        else:
            head = None
        if head is not None:
            return _read_layers(container, head, gzip_size=gzip_size, max_entries=max_entries,
                                analyse=analyse or (lambda raw: raw))
        raise DockwiseError(
            f"{source.describe()}: neither a docker-save archive (manifest.json) nor an OCI layout (index.json)",
            "pass the output of `docker save` or an OCI image layout",
            exit_code=2,
        )


class _Container:
    """Named blobs: the members of a mapped tar, or the files under a layout directory (each mapped when opened)."""

    def __init__(self, source: Source, buffer=None, root: Path | None = None) -> None:
        self._buffer = buffer
        self._root = root
        self._members = _index_outer_tar(buffer, source) if root is None else None
        self._maps: list = []

    def has(self, name: str) -> bool:
        if self._members is not None:
            return name in self._members
        assert self._root is not None
        return (self._root / name).is_file()

    def open(self, name: str) -> Blob:
        if self._members is not None:
            if name not in self._members:
                raise DockwiseError(f"blob {name[:120]!r} is missing from the archive", "re-create the archive", exit_code=2)
            offset, size = self._members[name]
            return Blob(self._buffer, offset, size)
        if name.startswith("/") or ".." in Path(name).parts:
            raise DockwiseError(f"blob path {name[:120]!r} leaves the layout", "the layout is not valid", exit_code=2)
        try:
            assert self._root is not None
            fd = os.open(self._root / name, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            raise DockwiseError(f"blob {name[:120]!r} is missing from the layout", "re-create the layout", exit_code=2) from None
        except OSError as exc:
            raise DockwiseError(f"blob {name[:120]!r} cannot be opened ({exc.strerror})", "blobs must be regular files",
                                exit_code=2) from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise DockwiseError(f"blob {name[:120]!r} is not a regular file", "the layout is not valid", exit_code=2)
            buffer = map_file(fd, info.st_size)
        finally:
            os.close(fd)
        self._maps.append(buffer)
        return Blob(buffer, 0, info.st_size)

    def read_json(self, name: str, expect: str | None = None):
        blob = self.open(name)
        if blob.size > JSON_LIMIT:
            raise DockwiseError(f"{name[:120]!r} is {blob.size} bytes; JSON above {JSON_LIMIT} is refused", "", exit_code=2)
        data = blob.head(blob.size)
        if expect is not None:
            _verify(name, "sha256:" + hashlib.sha256(data).hexdigest(), expect)
        try:
            return json.loads(data), data
        except (ValueError, UnicodeDecodeError) as exc:
            raise DockwiseError(f"{name[:120]!r} is not valid JSON ({exc})", "re-create the archive", exit_code=2) from None

    def close(self) -> None:
        for buffer in [*self._maps, self._buffer]:
            with contextlib.suppress(AttributeError, BufferError):
                buffer.close()  # a view still held elsewhere keeps the map alive until it is collected


@contextlib.contextmanager
def _open_container(source: Source) -> Iterator[tuple[_Container, tuple[str, ...]]]:
    if source.kind == "engine":
        import tempfile

        with tempfile.TemporaryFile(prefix="dockwise-save-") as spool:
            tags = _save_from_engine(source.location, spool)
            with _mapped_tar(spool.fileno(), source) as container:
                yield container, tags
        return
    path = Path(source.location)
    if path.is_dir():
        if not (path / "oci-layout").is_file():
            raise DockwiseError(f"{path} has no oci-layout file", "pass an OCI image layout directory", exit_code=2)
        container = _Container(source, root=path)
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
        with _mapped_tar(fd, source) as container:
            yield container, ()
    finally:
        os.close(fd)


@contextlib.contextmanager
def _mapped_tar(fd: int, source: Source) -> Iterator[_Container]:
    container = _Container(source, buffer=map_file(fd, os.fstat(fd).st_size))
    try:
        yield container
    finally:
        container.close()


def _index_outer_tar(buffer, source: Source) -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    try:
        for member in members(MappedSource(buffer)):
            if len(found) >= OUTER_ENTRY_LIMIT:
                raise DockwiseError(f"{source.describe()}: more than {OUTER_ENTRY_LIMIT} entries", "not an image archive",
                                    exit_code=2)
            if member.isreg():
                found[member.name.removeprefix("./")] = (member.data_offset, member.data_size)
    except TarError as exc:
        raise DockwiseError(f"{source.describe()}: not a readable tar archive ({exc})",
                            "pass a `docker save` tar or an OCI layout", exit_code=2) from None
    return found


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


class _LayerPlan(NamedTuple):
    name: str
    diff_id: str
    blob_digest: str | None
    blob_size: int | None
    gzip: bool


class _Head(NamedTuple):
    """An image's manifest and config, read and verified; its layers still to be read."""

    source: Source
    id: str
    config: dict
    tags: tuple[str, ...]
    plans: tuple[_LayerPlan, ...]


def _docker_save_head(source: Source, container: _Container, engine_tags: tuple[str, ...]) -> _Head:
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
    return _Head(source, image_id, config, tags, tuple(plans))


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


def _oci_head(source: Source, container: _Container) -> _Head:
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
    return _Head(source, image_id, config, tags, tuple(plans))


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


class _ReadLayer(NamedTuple):
    """A layer indexed in this thread, its blob digest still being computed in a worker."""

    what: str
    plan: _LayerPlan
    blob: Blob
    listing: LayerIndex
    pending: Pending
    tar_digest: str | None  # the diff_id computed while decompressing; None for an uncompressed layer
    tar_size: int

    def compressed_size(self, digest_gzip_size: int | None) -> int | None:
        """The blob's own size for a compressed layer, else the gzip -6 size measured (or None)."""
        return self.blob.size if self.tar_digest is not None else digest_gzip_size


def _read_layers(container: _Container, head: _Head, *, gzip_size: bool, max_entries: int,
                 analyse: Callable[[RawImage], T]) -> T:
    """Index every layer in this thread while worker threads hash (and gzip, if asked) the blobs; verify, analyse."""
    budget = Budget(max_entries=max_entries)
    read: list[_ReadLayer] = []
    for number, plan in enumerate(head.plans, 1):
        what = f"layer {number} ({plan.name[:80]})"
        blob = container.open(plan.name)
        if plan.blob_size is not None and plan.blob_size != blob.size:
            raise DockwiseError(f"{what}: size {blob.size} differs from its descriptor ({plan.blob_size})",
                                "the blob is corrupt", exit_code=2)
        compressed = plan.gzip or blob.head(2) == b"\x1f\x8b"
        pending = Pending(digest_blob, blob, gzip_size=gzip_size and not compressed)
        if compressed:
            index, tar_digest, tar_size = _read_gzip_layer(blob, what, budget)
        else:
            index, tar_digest, tar_size = read_layer(MappedSource(blob.buffer, blob.offset, blob.offset + blob.size),
                                                     what=what, budget=budget), None, blob.size
        read.append(_ReadLayer(what, plan, blob, index, pending, tar_digest, tar_size))

    def verified() -> list[int | None]:
        sizes = []
        for layer in read:
            digest = layer.pending.result()
            if layer.plan.blob_digest is not None:
                _verify(layer.what, digest.sha256, layer.plan.blob_digest)
            _verify(layer.what + " diff_id", layer.tar_digest or digest.sha256, layer.plan.diff_id)
            sizes.append(layer.compressed_size(digest.gzip_size))
        return sizes

    def image(sizes: list[int | None]) -> RawImage:
        layers = tuple(RawLayer(layer.listing, layer.plan.diff_id, layer.tar_size, size) for layer, size in zip(read, sizes))
        return RawImage(head.source, head.id, head.config, head.tags, layers)

    if gzip_size and any(layer.tar_digest is None for layer in read):
        return analyse(image(verified()))  # the measured gzip sizes are part of what is analysed
    try:
        result = analyse(image([layer.compressed_size(None) for layer in read]))
    except Exception:
        verified()  # a corrupt blob explains a failed analysis better than the failure itself
        raise
    verified()
    return result


def _read_gzip_layer(blob: Blob, what: str, budget: Budget) -> tuple[LayerIndex, str, int]:
    """Stream-decompress a tar+gzip layer once: index it and hash the tar (its diff_id) on the way through."""
    source = GzipSource(blob.view())
    index = read_layer(source, what=what, budget=budget)
    try:
        digest, size = source.finish()
    except (TarError, zlib.error) as exc:
        raise DockwiseError(f"{what}: corrupt gzip stream ({exc})", "re-create the image archive", exit_code=2) from None
    return index, digest, size
