"""Build the slim and distroless bases of a release from the lock: verified .debs -> layers -> images, then load
them into the engine and/or write a docker-save archive and an OCI layout. Nothing is tagged unless all succeeded.

Each platform has its own lock (`<release>.lock.json` for amd64, `<release>.<arch>.lock.json` otherwise) and is
built from it alone; in the engine, the default platform's images keep the plain tags and the others' get a suffix
(`dockwise/python:3.13-slim-arm64`). Several platforms in an OCI layout are one image index per base name.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.core.platform import DEFAULT_PLATFORM, DEFAULT_RELEASE, Platform
from dockwise.debian.cache import default_cache_dir, fetch_debs
from dockwise.debian.distroless import distroless_config, distroless_layers
from dockwise.debian.host_tools import ensure_mmdebstrap
from dockwise.debian.lock import Lock, load_lock, lock_digest
from dockwise.debian.profiles import LEAN, Profile
from dockwise.debian.releases import CA_PACKAGE, DEFAULT_NAMESPACE, Release
from dockwise.debian.releases import release as find_release
from dockwise.debian.slim import slim_config, slim_tree
from dockwise.image.archive_writer import (
    ImageSpec,
    IndexSpec,
    canonical_json,
    check_oci_target,
    write_docker_archive,
    write_oci_index_layout,
    write_oci_layout,
)
from dockwise.service import labels as service_labels

SLIM, DISTROLESS = "slim", "distroless"
KINDS = (SLIM, DISTROLESS)
LABEL_KIND = service_labels.BASE
LABEL_RELEASE = service_labels.BASE_RELEASE
LABEL_LOCK = service_labels.BASE_LOCK
LABEL_EPOCH = service_labels.BASE_EPOCH
LABEL_PROFILE = service_labels.BASE_PROFILE

Say = Callable[[str], None]


@dataclass(frozen=True)
class BuiltImage:
    """One base image: tag, image ID, which base it is, whether this run built it (False: already loaded), and
    its platform."""

    tag: str
    image_id: str
    kind: str
    built: bool
    platform: Platform = DEFAULT_PLATFORM

    def as_dict(self) -> dict[str, object]:
        return {
            "tag": self.tag,
            "image_id": self.image_id,
            "kind": self.kind,
            "built": self.built,
            "platform": str(self.platform),
        }


def build_epoch(lock: Lock) -> int:
    """SOURCE_DATE_EPOCH if set, else the lock's own date: every mtime is clamped to it and `created` is it."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return lock.epoch
    if not value.isdigit():
        raise DockwiseError(f"SOURCE_DATE_EPOCH={value!r} is not a number of seconds", "unset it or set an integer")
    return int(value)


def _labels(release: Release, lock: Lock, kind: str, profile: Profile) -> dict[str, str]:
    """What an image says about its making; `present_bases` wants all of them (a base from before the profiles
    existed has no profile label, so it is rebuilt)."""
    labels = {
        LABEL_KIND: kind,
        LABEL_RELEASE: release.codename,
        LABEL_LOCK: lock_digest(lock),
        LABEL_EPOCH: str(build_epoch(lock)),
    }
    return {**labels, LABEL_PROFILE: profile.name} if kind == DISTROLESS else labels


def kind_tags(
    release: Release, profile: Profile = LEAN, namespace: str = DEFAULT_NAMESPACE, platform: Platform = DEFAULT_PLATFORM
) -> dict[str, tuple[str, ...]]:
    """The engine tags of each base of `platform`: slim's one, distroless's root and nonroot ones of `profile`."""
    return {
        SLIM: (platform.tag(release.slim_tag(namespace)),),
        DISTROLESS: tuple(platform.tag(tag) for tag in profile.tags(release, namespace)),
    }


def build_images(
    release: Release,
    lock: Lock,
    kinds: tuple[str, ...],
    cache_dir: Path,
    workdir: Path,
    profile: Profile = LEAN,
    namespace: str = DEFAULT_NAMESPACE,
    say: Say = lambda _m: None,
    progress: Callable[[int, int], None] = lambda _d, _t: None,
) -> list[ImageSpec]:
    """Assemble the images of `kinds` for the lock's architecture in `workdir` (layers as files there), tagged as
    the engine will hold them; no engine is involved."""
    platform = _platform(lock)
    epoch = build_epoch(lock)
    created = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    unpacked = {package for _layer, packages in profile.packages(release) for package in packages}
    distroless = tuple(name for name in lock.distroless if name in unpacked or name == CA_PACKAGE)
    names = tuple(dict.fromkeys((*(lock.slim if SLIM in kinds else ()), *(distroless if DISTROLESS in kinds else ()))))
    records = lock.records(names)
    total = sum(r.size for r in records)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        progress(done, total)

    say(f"checking {len(records)} .debs in {cache_dir} (downloading what is missing)")
    paths = dict(zip(names, fetch_debs(records, cache_dir, advance), strict=True))
    images: list[ImageSpec] = []
    if DISTROLESS in kinds:
        say(f"assembling {profile.name} distroless layers (static, base, cc, python3) for {platform}")
        layers = distroless_layers(release, paths, epoch, profile)
        blobs = [layer.tree.write(workdir / f"distroless-{lock.arch}-{layer.name}.tar", epoch) for layer in layers]
        notes = [f"dockwise base: distroless {layer.name} ({', '.join(layer.packages)})" for layer in layers]
        labels = _labels(release, lock, DISTROLESS, profile)
        tags = kind_tags(release, profile, namespace, platform)[DISTROLESS]
        for tag, nonroot in zip(tags, (False, True), strict=True):
            config = distroless_config(release, [b.diff_id for b in blobs], notes, nonroot, created, labels, platform)
            images.append(ImageSpec((tag,), canonical_json(config), tuple(blobs)))
    if SLIM in kinds:
        ensure_mmdebstrap(say)
        emulated = "" if platform == DEFAULT_PLATFORM else f", {platform} under emulation"
        say(f"installing the slim set ({len(lock.slim)} packages{emulated}) with mmdebstrap from the verified .debs")
        slim_dir = workdir / f"slim-{lock.arch}"
        slim_dir.mkdir()
        tree = slim_tree(release, [paths[n] for n in lock.slim], lock.slim, epoch, slim_dir, platform)
        blob = tree.write(workdir / f"slim-{lock.arch}.tar", epoch)
        config = slim_config(release, blob.diff_id, created, _labels(release, lock, SLIM, profile), platform)
        tag = kind_tags(release, profile, namespace, platform)[SLIM][0]
        images.insert(0, ImageSpec((tag,), canonical_json(config), (blob,)))
    return images


def _platform(lock: Lock) -> Platform:
    from dockwise.core.platform import parse_platform

    return parse_platform(f"linux/{lock.arch}")


def plain_tag(tag: str, platform: Platform) -> str:
    """The platform-independent name of an engine tag (`…:3.13-slim-arm64` -> `…:3.13-slim`)."""
    suffix = platform.tag("")
    return tag[: -len(suffix)] if suffix and tag.endswith(suffix) else tag


def build_bases(
    release_name: str = DEFAULT_RELEASE,
    *,
    kinds: tuple[str, ...] = KINDS,
    load: bool = True,
    archive: Path | None = None,
    oci_dir: Path | None = None,
    cache_dir: Path | None = None,
    lock: Lock | None = None,
    profile: Profile = LEAN,
    namespace: str = DEFAULT_NAMESPACE,
    say: Say = lambda _m: None,
    progress: Callable[[int, int], None] = lambda _d, _t: None,
    platforms: tuple[Platform, ...] = (DEFAULT_PLATFORM,),
) -> list[BuiltImage]:
    """Build the bases of each platform from its committed lock (or from `lock`, for one platform) and load them
    into the engine (if `load`), and/or write them as a docker-save archive (engine tags) and an OCI layout (one
    image index per base name when the platforms are not just the default one). Loading happens only after every
    image was built."""
    release = find_release(release_name)
    if lock is not None and [_platform(lock)] != list(platforms):
        raise DockwiseError(
            f"the lock is for linux/{lock.arch} only", "build one platform with that lock", exit_code=EXIT_USAGE
        )
    locks = [lock] if lock is not None else [load_lock(release.codename, arch=p.architecture) for p in platforms]
    if oci_dir is not None:
        check_oci_target(oci_dir)
    client = _engine() if load else None
    try:
        with tempfile.TemporaryDirectory(prefix="dockwise-base-") as tmp:
            workdir = Path(tmp)
            images = [
                image
                for each in locks
                for image in build_images(
                    release, each, kinds, cache_dir or default_cache_dir(), workdir, profile, namespace, say, progress
                )
            ]
            if archive is not None:
                say(f"writing docker-save archive {archive}")
                write_docker_archive(images, archive)
            if oci_dir is not None:
                say(f"writing OCI layout {oci_dir}")
                if tuple(platforms) == (DEFAULT_PLATFORM,):
                    write_oci_layout(images, oci_dir)
                else:
                    write_oci_index_layout(image_indexes(images), oci_dir)
            if client is not None:
                say("loading into the engine")
                _load(client, images, workdir / "load.tar")
                _remove_superseded(client, release)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        raise DockwiseError(
            f"disk full while building the bases ({exc.filename or tempfile.gettempdir()})",
            "free space, or point TMPDIR (work files) and XDG_CACHE_HOME (.debs) at a larger disk",
        ) from None
    kind_of = {
        tag: (kind, platform)
        for platform in map(_platform, locks)
        for kind, tags in kind_tags(release, profile, namespace, platform).items()
        for tag in tags
    }
    built = []
    for image in images:
        for tag in image.tags:
            kind, platform = kind_of[tag]
            built.append(BuiltImage(tag, image.image_id, kind, True, platform))
    return built


def image_indexes(images: list[ImageSpec]) -> list[IndexSpec]:
    """Group per-platform images by their platform-independent name: one image index each."""
    from dockwise.core.platform import platform_of

    groups: dict[str, list[ImageSpec]] = {}
    for image in images:
        platform = platform_of(json.loads(image.config)) or DEFAULT_PLATFORM
        for tag in image.tags:
            groups.setdefault(plain_tag(tag, platform), []).append(image)
    return [IndexSpec(tag, tuple(group)) for tag, group in groups.items()]


def _engine():
    from dockwise.engine.client import sdk_client

    return sdk_client(timeout=600)


def _load(client, images: list[ImageSpec], tmp_archive: Path) -> None:
    write_docker_archive(images, tmp_archive)
    with tmp_archive.open("rb") as handle:
        client.images.load(handle)
    tmp_archive.unlink()
    for image in images:
        for tag in image.tags:
            loaded = client.images.get(tag).id
            if loaded != image.image_id:
                raise DockwiseError(
                    f"the engine holds {loaded} for {tag}, expected {image.image_id}", "run `dockwise base` again"
                )


def _remove_superseded(client, release: Release) -> None:
    """Remove this release's earlier bases that a new load left untagged; we built them, nothing else refers to
    them by name. Never forced: an image a container still uses stays."""
    from docker.errors import APIError

    selector = {"dangling": True, "label": f"{LABEL_RELEASE}={release.codename}"}
    for image in client.images.list(filters=selector):
        try:
            client.images.remove(image.id)
        except APIError:
            pass


def present_bases(
    release: Release, lock: Lock, client, profile: Profile = LEAN, namespace: str = DEFAULT_NAMESPACE
) -> dict[str, BuiltImage]:
    """Base images already in the engine and built from this lock (its platform; distroless ones: with `profile`),
    by tag."""
    from docker.errors import ImageNotFound

    found = {}
    platform = _platform(lock)
    for kind, tags in kind_tags(release, profile, namespace, platform).items():
        wanted = _labels(release, lock, kind, profile)
        for tag in tags:
            try:
                image = client.images.get(tag)
            except ImageNotFound:
                continue
            labels = image.labels or {}
            if all(labels.get(key) == value for key, value in wanted.items()):
                found[tag] = BuiltImage(tag, image.id, kind, False, platform)
    return found


def ensure_bases(
    release_name: str = DEFAULT_RELEASE,
    *,
    kinds: tuple[str, ...] = KINDS,
    cache_dir: Path | None = None,
    profile: Profile = LEAN,
    namespace: str = DEFAULT_NAMESPACE,
    say: Say = lambda _m: None,
    progress: Callable[[int, int], None] = lambda _d, _t: None,
    platforms: tuple[Platform, ...] = (DEFAULT_PLATFORM,),
) -> list[BuiltImage]:
    """Make sure the engine holds both bases of `release_name` (distroless: of `profile`) for each platform, built
    from that platform's current lock; build only what is missing (a kind is rebuilt when any of its tags is absent
    or stale). Quick when everything is there."""
    release = find_release(release_name)
    client = _engine()
    result = []
    for platform in platforms:
        lock = load_lock(release.codename, arch=platform.architecture)
        present = present_bases(release, lock, client, profile, namespace)
        wanted = {
            kind: tags for kind, tags in kind_tags(release, profile, namespace, platform).items() if kind in kinds
        }
        missing = tuple(kind for kind, tags in wanted.items() if any(tag not in present for tag in tags))
        built = (
            build_bases(
                release_name,
                kinds=missing,
                cache_dir=cache_dir,
                lock=lock,
                profile=profile,
                namespace=namespace,
                say=say,
                progress=progress,
                platforms=(platform,),
            )
            if missing
            else []
        )
        fresh = {image.tag: image for image in built}
        result += [fresh.get(tag) or present[tag] for tags in wanted.values() for tag in tags]
    return result
