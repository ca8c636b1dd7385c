"""One lock per architecture (no engine, no network): the committed arm64 lock beside the amd64 one, where each
lives, and the tags and image indexes of several platforms' bases."""

from __future__ import annotations

import json

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.core.platform import ARM64, DEFAULT_PLATFORM
from dockwise.debian.bases import image_indexes, kind_tags, plain_tag
from dockwise.debian.lock import load_lock, lock_path
from dockwise.debian.releases import release
from dockwise.image.archive_writer import ImageSpec, canonical_json


def test_each_architecture_has_its_own_lock_file():
    assert lock_path("trixie").name == "trixie.lock.json"  # the amd64 lock keeps the name it always had
    assert lock_path("trixie", "arm64").name == "trixie.arm64.lock.json"


def test_the_arm64_lock_has_the_amd64_lock_s_packages_and_format():
    amd64, arm64 = load_lock("trixie"), load_lock("trixie", arch="arm64")
    assert (amd64.arch, arm64.arch) == ("amd64", "arm64")
    assert set(arm64.packages) == set(amd64.packages)
    assert (arm64.slim, arm64.distroless, arm64.slim_include) == (amd64.slim, amd64.distroless, amd64.slim_include)
    for record in arm64.packages.values():
        assert record.arch in ("arm64", "all") and len(record.sha256) == 64, record
        assert record.url.startswith("https://deb.debian.org/") and record.deb_name.endswith(f"_{record.arch}.deb")
    # architecture-independent packages are the very same files in both
    shared = [name for name, record in arm64.packages.items() if record.arch == "all"]
    assert shared and all(
        amd64.packages[name].sha256 == arm64.packages[name].sha256
        for name in shared
        if amd64.packages[name].version == arm64.packages[name].version
    )
    assert json.loads(lock_path("trixie", "arm64").read_text())["format"] == 1


def test_a_lock_for_another_architecture_is_refused(tmp_path):
    copy = tmp_path / "trixie.lock.json"
    copy.write_text(lock_path("trixie", "arm64").read_text())
    with pytest.raises(DockwiseError) as caught:
        load_lock("trixie", copy)
    assert "is for arm64, not amd64" in caught.value.cause and "--update-lock" in caught.value.fix


def test_a_missing_architecture_lock_names_the_command():
    with pytest.raises(DockwiseError) as caught:
        load_lock("bookworm", arch="arm64")
    assert "--platform linux/arm64 --update-lock" in caught.value.fix


def test_tags_per_platform():
    rel = release("trixie")
    assert kind_tags(rel, platform=ARM64) == {
        "slim": ("dockwise/python:3.13-slim-arm64",),
        "distroless": (
            "dockwise/distroless-python3-debian13:latest-arm64",
            "dockwise/distroless-python3-debian13:nonroot-arm64",
        ),
    }
    assert plain_tag("dockwise/python:3.13-slim-arm64", ARM64) == "dockwise/python:3.13-slim"
    assert plain_tag("dockwise/python:3.13-slim", DEFAULT_PLATFORM) == "dockwise/python:3.13-slim"


def test_several_platforms_group_into_one_index_per_name():
    def spec(tag, arch, variant=""):
        config = {
            "architecture": arch,
            "os": "linux",
            **({"variant": variant} if variant else {}),
            "rootfs": {"type": "layers", "diff_ids": []},
        }
        return ImageSpec((tag,), canonical_json(config), ())

    images = [
        spec("x/a:1", "amd64"),
        spec("x/b:1", "amd64"),
        spec("x/a:1-arm64", "arm64", "v8"),
        spec("x/b:1-arm64", "arm64", "v8"),
    ]
    indexes = image_indexes(images)
    assert [(i.tag, [s.platform for s in i.images]) for i in indexes] == [
        (
            "x/a:1",
            [{"architecture": "amd64", "os": "linux"}, {"architecture": "arm64", "os": "linux", "variant": "v8"}],
        ),
        (
            "x/b:1",
            [{"architecture": "amd64", "os": "linux"}, {"architecture": "arm64", "os": "linux", "variant": "v8"}],
        ),
    ]
