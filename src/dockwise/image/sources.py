"""Image sources: the engine (streamed `docker save`), a `docker save` archive, an OCI layout (directory or tar).

The last two need no engine. Every blob is verified: the config against the image id or its descriptor, each
layer against its descriptor digest and size and against the config's `rootfs.diff_ids`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, TypeVar

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.image import schema
from dockwise.image.blob import (
    Blob,
    FileReader,
    Pending,
    Workers,
    check_digest_syntax,
    gzip_size_jobs,
    sha256_of,
)
from dockwise.image.layer_index import (
    MAX_ENTRIES,
    Budget,
    LayerIndex,
    expansion_error,
    expansion_limit,
    read_layer,
)
from dockwise.image.schema import ImageConfig, parse_json
from dockwise.image.tarstream import BlobSource, GzipSource, TarError, TooLarge, members

T = TypeVar("T")
JSON_LIMIT = 16 << 20
OUTER_ENTRY_LIMIT = 100_000
MAX_LAYERS = 1000
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
    `tag` selects one image of an archive or layout that holds several; `platform` (`linux/arm64`) one manifest of
    an image index, and is checked against the config of whatever is read."""

    kind: str
    location: str
    tag: str | None = None
    platform: str | None = None

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
    """An image as read: id (sha256 of the config), its config (checked against the spec's shapes), tags, layers
    base first. `read_image` returns nothing derived from it before every digest has verified."""

    source: Source
    id: str
    config: ImageConfig
    tags: tuple[str, ...]
    layers: tuple[RawLayer, ...]


def parse_source(text: str) -> Source:
    """`docker-archive:PATH`, `oci:PATH[:TAG]`, `docker:REF`, an existing path (kind detected), else an engine ref."""
    for prefix in ("docker-archive:", "oci:", "docker:"):
        if text.startswith(prefix):
            rest = text[len(prefix) :]
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
    if path.exists():
        raise DockwiseError(
            f"{text} is not a regular file",
            "pass a docker-save or OCI tar, or an OCI layout directory",
            exit_code=EXIT_USAGE,
        )
    if text.startswith(("/", "./", "../", "~")) or text.endswith(".tar"):
        raise DockwiseError(
            f"{text} does not exist",
            "pass an existing archive or layout, or an engine image name",
            exit_code=EXIT_USAGE,
        )
    return Source("engine", text)


def read_image(
    source: Source,
    *,
    gzip_size: bool = False,
    max_entries: int = MAX_ENTRIES,
    analyse: Callable[[RawImage], T] | None = None,
    licences: bool = False,
) -> T | RawImage:
    """Read the image, index its layers (never extracted) and verify every blob; return `analyse(image)`.

    `analyse` runs while the layer digests are still being computed by worker threads; its result is returned only
    after every digest has verified. `gzip_size` measures gzip -6 of each uncompressed layer (in parallel chunks,
    see dockwise.image.blob.gzip_chunk_size); a compressed layer's size is its blob's, measured or not.
    Without `analyse`, the verified RawImage itself is returned. `licences` also keeps the licence sources the
    SBOM reads (dockwise.image.layer_index.is_licence_source).
    """
    with _open_container(source) as (container, engine_tags):
        if container.has("manifest.json") and source.kind != "oci":
            head = _docker_save_head(source, container, engine_tags)
        elif container.has("index.json"):
            head = _oci_head(source, container)
        else:
            head = None
        if head is not None:
            _check_platform(source, head.config)
            return _read_layers(
                container,
                head,
                gzip_size=gzip_size,
                budget=Budget(max_entries=max_entries, licences=licences),
                analyse=analyse or (lambda raw: raw),
            )
        raise DockwiseError(
            f"{source.describe()}: neither a docker-save archive (manifest.json) nor an OCI layout (index.json)",
            "pass the output of `docker save` or an OCI image layout",
            exit_code=EXIT_USAGE,
        )


class _Container:
    """Named blobs: the members of a tar (read by offset, never mapped), or the files of a layout directory (each
    opened beneath the directory without following a symlink, so `blobs/` linked elsewhere is refused)."""

    def __init__(self, source: Source, *, tar: Blob | None = None, root: Path | None = None) -> None:
        self._tar = tar
        self._root = root
        self._members = _index_outer_tar(tar, source) if tar is not None else None
        self._fds: list[int] = []

    def has(self, name: str) -> bool:
        if self._members is not None:
            return name in self._members
        assert self._root is not None
        return (self._root / name).is_file()

    def open(self, name: str) -> Blob:
        if self._members is not None:
            if name not in self._members:
                raise DockwiseError(
                    f"blob {name[:120]!r} is missing from the archive", "re-create the archive", exit_code=EXIT_USAGE
                )
            offset, size = self._members[name]
            assert self._tar is not None
            return Blob(self._tar.reader, offset, size)
        assert self._root is not None
        fd = _open_beneath(self._root, name)
        self._fds.append(fd)
        return _file_blob(fd)

    def read_json(self, name: str, expect: str | None = None) -> tuple[object, bytes]:
        blob = self.open(name)
        if blob.size > JSON_LIMIT:
            raise DockwiseError(
                f"{name[:120]!r} is {blob.size} bytes; JSON above {JSON_LIMIT} is refused", "", exit_code=EXIT_USAGE
            )
        data = blob.read(0, blob.size)
        if expect is not None:
            _verify(name, "sha256:" + hashlib.sha256(data).hexdigest(), expect)
        return parse_json(data, name), data

    def close(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds.clear()


def _open_beneath(root: Path, name: str) -> int:
    """Open `name` (a relative path) inside `root`, refusing symlinks at every step and anything but a regular
    file at the end; O_NONBLOCK so that a FIFO cannot block the open."""
    parts = name.split("/")
    if name.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise DockwiseError(
            f"blob path {name[:120]!r} leaves the layout", "the layout is not valid", exit_code=EXIT_USAGE
        )
    opened: list[int] = []
    try:
        directory = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
        opened.append(directory)
        for part in parts[:-1]:
            directory = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=directory)
            opened.append(directory)
        fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=directory)
    except FileNotFoundError:
        raise DockwiseError(
            f"blob {name[:120]!r} is missing from the layout", "re-create the layout", exit_code=EXIT_USAGE
        ) from None
    except OSError as exc:
        raise DockwiseError(
            f"blob {name[:120]!r} cannot be opened ({exc.strerror})",
            "blobs must be regular files inside the layout, reached without symlinks",
            exit_code=EXIT_USAGE,
        ) from None
    finally:
        for directory in opened:
            os.close(directory)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise DockwiseError(
            f"blob {name[:120]!r} is not a regular file", "the layout is not valid", exit_code=EXIT_USAGE
        )
    return fd


def _open_regular_file(path: Path) -> int:
    """The image path opened for reading; O_NONBLOCK so that a FIFO or device cannot block, then refused."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise DockwiseError(
            f"cannot open {path} ({exc.strerror})", "pass an existing archive or layout", exit_code=EXIT_USAGE
        ) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise DockwiseError(
            f"{path} is not a regular file",
            "pass a docker-save or OCI tar, or an OCI layout directory",
            exit_code=EXIT_USAGE,
        )
    return fd


@contextlib.contextmanager
def _open_container(source: Source) -> Iterator[tuple[_Container, tuple[str, ...]]]:
    if source.kind == "engine":
        import tempfile

        with tempfile.TemporaryFile(prefix="dockwise-save-") as spool:
            tags = _save_from_engine(source.location, spool)
            with _closing(_Container(source, tar=_file_blob(spool.fileno()))) as container:
                yield container, tags
        return
    path = Path(source.location)
    if path.is_dir():
        if not (path / "oci-layout").is_file():
            raise DockwiseError(
                f"{path} has no oci-layout file", "pass an OCI image layout directory", exit_code=EXIT_USAGE
            )
        with _closing(_Container(source, root=path)) as container:
            yield container, ()
        return
    fd = _open_regular_file(path)
    try:
        with _closing(_Container(source, tar=_file_blob(fd))) as container:
            yield container, ()
    finally:
        os.close(fd)


def _file_blob(fd: int) -> Blob:
    return Blob(FileReader(fd), 0, os.fstat(fd).st_size)


@contextlib.contextmanager
def _closing(container: _Container) -> Iterator[_Container]:
    try:
        yield container
    finally:
        container.close()


def _index_outer_tar(blob: Blob, source: Source) -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    try:
        for member in members(BlobSource(blob)):
            if len(found) >= OUTER_ENTRY_LIMIT:
                raise DockwiseError(
                    f"{source.describe()}: more than {OUTER_ENTRY_LIMIT} entries",
                    "not an image archive",
                    exit_code=EXIT_USAGE,
                )
            if member.isreg():
                found[member.name.removeprefix("./")] = (member.data_offset, member.data_size)
    except TarError as exc:
        raise DockwiseError(
            f"{source.describe()}: not a readable tar archive ({exc})",
            "pass a `docker save` tar or an OCI layout",
            exit_code=EXIT_USAGE,
        ) from None
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
        raise DockwiseError(
            f"image {ref!r} is not in the engine",
            "build it first, or pass a docker-save archive or OCI layout",
            exit_code=EXIT_USAGE,
        ) from None
    except DockerException as exc:
        raise DockwiseError(
            f"the engine could not export {ref!r} ({str(exc)[:160]})", "check `dockwise doctor`", exit_code=EXIT_USAGE
        ) from None
    spool.flush()
    return tuple(image.tags)


def _verify(what: str, actual: str, expected: str) -> None:
    if actual != expected:
        raise DockwiseError(
            f"{what[:120]}: digest mismatch (expected {expected}, got {actual})",
            "the blob is corrupt or was altered",
            exit_code=EXIT_USAGE,
        )


def _diff_ids(config: ImageConfig, count: int, where: str) -> list[str]:
    if len(config.diff_ids) != count:
        raise DockwiseError(
            f"{where}: config lists {len(config.diff_ids)} diff_ids for {count} layers",
            "the image config is not valid",
            exit_code=EXIT_USAGE,
        )
    if count > MAX_LAYERS:
        raise DockwiseError(
            f"{where}: {count} layers; more than {MAX_LAYERS} is refused (engines stop at ~127)",
            "the image is not valid",
            exit_code=EXIT_USAGE,
        )
    return [check_digest_syntax(d, where) for d in config.diff_ids]


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
    config: ImageConfig
    tags: tuple[str, ...]
    plans: tuple[_LayerPlan, ...]


def _docker_save_head(source: Source, container: _Container, engine_tags: tuple[str, ...]) -> _Head:
    manifest, _ = container.read_json("manifest.json")
    entry = _pick_save_entry(schema.save_manifest(manifest), source.tag)
    config_value, raw = container.read_json(entry.config)
    image_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    named = _digest_in_name(entry.config)
    if named is not None:
        _verify(entry.config, image_id, named)
    config = schema.image_config(config_value, f"image config {entry.config}")
    diff_ids = _diff_ids(config, len(entry.layers), entry.config)
    plans = [
        _LayerPlan(name, diff_id, _digest_in_name(name), None, False) for name, diff_id in zip(entry.layers, diff_ids)
    ]
    return _Head(source, image_id, config, entry.repo_tags or engine_tags, tuple(plans))


def _pick_save_entry(manifest: tuple[schema.SaveEntry, ...], tag: str | None) -> schema.SaveEntry:
    if tag is None:
        return manifest[0]
    for entry in manifest:
        if any(t == tag or t.endswith(":" + tag) for t in entry.repo_tags):
            return entry
    raise DockwiseError(
        f"no image tagged {tag!r} in the archive",
        "list its tags with `tar -xOf ARCHIVE manifest.json`",
        exit_code=EXIT_USAGE,
    )


def _digest_in_name(name: str) -> str | None:
    """Legacy `<hex>.json` / `<hex>/layer.tar` name the config by digest; `blobs/sha256/<hex>` names any blob."""
    stem = (
        name[len("blobs/sha256/") :]
        if name.startswith("blobs/sha256/")
        else name.removesuffix(".json")
        if name.endswith(".json")
        else None
    )
    if stem is not None and len(stem) == 64 and all(c in "0123456789abcdef" for c in stem):
        return "sha256:" + stem
    return None


def _oci_head(source: Source, container: _Container) -> _Head:
    index, _ = container.read_json("index.json")
    manifest_desc, ref_name = _pick_oci_manifest(
        container, schema.index_manifests(index), source.tag, depth=0, platform=source.platform
    )
    manifest_name = _blob_name(manifest_desc)
    manifest_value, _ = container.read_json(manifest_name, expect=manifest_desc.digest)
    manifest = schema.image_manifest(manifest_value, f"image manifest {manifest_name}")
    config_name = _blob_name(manifest.config)
    config_value, raw = container.read_json(config_name, expect=manifest.config.digest)
    config = schema.image_config(config_value, f"image config {config_name}")
    diff_ids = _diff_ids(config, len(manifest.layers), config_name)
    plans = []
    for desc, diff_id in zip(manifest.layers, diff_ids):
        if desc.media_type not in GZIP_LAYER_TYPES + TAR_LAYER_TYPES:
            raise DockwiseError(
                f"layer media type {desc.media_type[:80]!r} is not supported",
                "use tar or tar+gzip layers",
                exit_code=EXIT_USAGE,
            )
        plans.append(_LayerPlan(_blob_name(desc), diff_id, desc.digest, desc.size, desc.media_type in GZIP_LAYER_TYPES))
    image_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    tags = (ref_name,) if ref_name else ()
    return _Head(source, image_id, config, tags, tuple(plans))


def _blob_name(desc: schema.Descriptor) -> str:
    digest = check_digest_syntax(desc.digest, "descriptor")
    return "blobs/sha256/" + digest.split(":", 1)[1]


def _pick_oci_manifest(
    container: _Container,
    manifests: tuple[schema.Descriptor, ...],
    tag: str | None,
    *,
    depth: int,
    platform: str | None = None,
) -> tuple[schema.Descriptor, str | None]:
    for desc in manifests:
        ref_name = desc.annotations.get("org.opencontainers.image.ref.name")
        if tag is not None and ref_name != tag:
            continue
        if desc.media_type in INDEX_TYPES:
            if depth >= 3:
                raise DockwiseError("image indexes nest too deeply", "the layout is not valid", exit_code=EXIT_USAGE)
            name = _blob_name(desc)
            nested, _ = container.read_json(name, expect=desc.digest)
            found, nested_name = _pick_oci_manifest(
                container, schema.index_manifests(nested, name), None, depth=depth + 1, platform=platform
            )
            return found, ref_name or nested_name
        if platform is not None and desc.platform is not None and not platform_matches(desc.platform, platform):
            continue
        return desc, ref_name
    if platform is not None:
        raise DockwiseError(
            f"no {platform} manifest{'' if tag is None else f' named {tag!r}'} in index.json",
            "list the platforms with `dockwise inspect --platform list IMAGE`",
            exit_code=EXIT_USAGE,
        )
    raise DockwiseError(
        f"no manifest named {tag!r} in index.json",
        "pass oci:PATH:TAG with a ref name the layout has",
        exit_code=EXIT_USAGE,
    )


def platform_matches(have: str, wanted: str) -> bool:
    """`linux/arm64/v8` is a `linux/arm64` (a variant only counts when it is asked for)."""
    have_parts, wanted_parts = have.split("/"), wanted.split("/")
    return have_parts[: len(wanted_parts)] == wanted_parts


def _check_platform(source: Source, config: schema.ImageConfig) -> None:
    have = schema.platform_name(config.os, config.architecture)
    if (
        source.platform is not None
        and have is not None
        and not platform_matches(have, "/".join(source.platform.split("/")[:2]))
    ):
        raise DockwiseError(
            f"{source.describe()} is {have}, not {source.platform}",
            "choose the image of that platform (engine tags of dockwise's images end in -ARCH)",
            exit_code=EXIT_USAGE,
        )


def list_platforms(source: Source) -> tuple[str, ...]:
    """The platforms `source` holds: every manifest of an OCI layout's image index (of `source.tag`, if given),
    else the one platform of the image's config ("" when it names none)."""
    with _open_container(source) as (container, engine_tags):
        if container.has("index.json") and (source.kind == "oci" or not container.has("manifest.json")):
            index, _ = container.read_json("index.json")
            return tuple(dict.fromkeys(_index_platforms(container, schema.index_manifests(index), source.tag, 0)))
        if container.has("manifest.json"):
            config = _docker_save_head(source, container, engine_tags).config
            return (schema.platform_name(config.os, config.architecture) or "",)
    raise DockwiseError(
        f"{source.describe()}: neither a docker-save archive nor an OCI layout",
        "pass the output of `docker save` or an OCI image layout",
        exit_code=EXIT_USAGE,
    )


def _index_platforms(
    container: _Container, manifests: tuple[schema.Descriptor, ...], tag: str | None, depth: int
) -> Iterator[str]:
    ref = "org.opencontainers.image.ref.name"
    if depth == 0 and tag is None:
        tag = manifests[0].annotations.get(ref)  # the first image's name, as reading picks it
    for desc in manifests:
        if depth == 0 and desc.annotations.get(ref) != tag:
            continue
        if desc.media_type in INDEX_TYPES and depth < 3:
            name = _blob_name(desc)
            nested, _ = container.read_json(name, expect=desc.digest)
            yield from _index_platforms(container, schema.index_manifests(nested, name), None, depth + 1)
        else:
            yield desc.platform or ""


class _ReadLayer(NamedTuple):
    """A layer indexed in this thread, its blob digest (and gzip size, if asked) still being computed by workers."""

    what: str
    plan: _LayerPlan
    blob: Blob
    listing: LayerIndex
    digest: Pending
    gzip_size: Callable[[], int] | None  # waits for the measured gzip -6 size; None when not measured
    tar_digest: str | None  # the diff_id computed while decompressing; None for an uncompressed layer
    tar_size: int

    def compressed_size(self) -> int | None:
        """The blob's own size for a compressed layer, else the gzip -6 size measured (or None)."""
        if self.tar_digest is not None:
            return self.blob.size
        return self.gzip_size() if self.gzip_size is not None else None


def _read_layers(
    container: _Container, head: _Head, *, gzip_size: bool, budget: Budget, analyse: Callable[[RawImage], T]
) -> T:
    """Index every layer in this thread while worker threads hash (and gzip, if asked) the blobs; verify, analyse."""
    with Workers() as workers:
        read: list[_ReadLayer] = []
        for number, plan in enumerate(head.plans, 1):
            what = f"layer {number} ({plan.name[:80]})"
            blob = container.open(plan.name)
            if plan.blob_size is not None and plan.blob_size != blob.size:
                raise DockwiseError(
                    f"{what}: size {blob.size} differs from its descriptor ({plan.blob_size})",
                    "the blob is corrupt",
                    exit_code=EXIT_USAGE,
                )
            compressed = plan.gzip or blob.head(2) == b"\x1f\x8b"
            digest = workers.submit(sha256_of, blob)
            measure = gzip_size_jobs(blob, workers) if gzip_size and not compressed else None
            if compressed:
                index, tar_digest, tar_size = _read_gzip_layer(blob, what, budget)
            else:
                index, tar_digest, tar_size = read_layer(BlobSource(blob), what=what, budget=budget), None, blob.size
            read.append(_ReadLayer(what, plan, blob, index, digest, measure, tar_digest, tar_size))

        def verify() -> None:
            for layer in read:
                digest = layer.digest.result()
                if layer.plan.blob_digest is not None:
                    _verify(layer.what, digest, layer.plan.blob_digest)
                _verify(layer.what + " diff_id", layer.tar_digest or digest, layer.plan.diff_id)

        def image() -> RawImage:
            layers = tuple(
                RawLayer(layer.listing, layer.plan.diff_id, layer.tar_size, layer.compressed_size()) for layer in read
            )
            return RawImage(head.source, head.id, head.config, head.tags, layers)

        try:
            result = analyse(image())
        except Exception:
            verify()  # a corrupt blob explains a failed analysis better than the failure itself
            raise
        verify()
        return result


def _read_gzip_layer(blob: Blob, what: str, budget: Budget) -> tuple[LayerIndex, str, int]:
    """Stream-decompress a tar+gzip layer once: index it and hash the tar (its diff_id) on the way through."""
    source = GzipSource(blob, max_output=expansion_limit(blob.size))
    index = read_layer(source, what=what, budget=budget)
    try:
        digest, size = source.finish()
    except TooLarge as exc:
        raise expansion_error(what, exc) from None
    except (TarError, zlib.error) as exc:
        raise DockwiseError(
            f"{what}: corrupt gzip stream ({exc})", "re-create the image archive", exit_code=EXIT_USAGE
        ) from None
    return index, digest, size
