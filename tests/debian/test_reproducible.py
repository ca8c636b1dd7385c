"""Building twice gives the same image IDs and byte-identical archives; built without any engine."""

from __future__ import annotations

import hashlib
import json
import tarfile

import pytest

from dockwise.debian.bases import build_bases
from dockwise.debian.profiles import FAITHFUL, LEAN

pytestmark = pytest.mark.slow


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(("kind", "profile"), [("distroless", LEAN), ("distroless", FAITHFUL), ("slim", LEAN)])
def test_two_builds_give_the_same_image_ids(tmp_path, kind, profile):
    first = build_bases("trixie", kinds=(kind,), load=False, profile=profile, archive=tmp_path / "a" / "bases.tar")
    second = build_bases("trixie", kinds=(kind,), load=False, profile=profile, archive=tmp_path / "b" / "bases.tar")
    assert [i.image_id for i in first] == [i.image_id for i in second]
    assert _sha256(tmp_path / "a" / "bases.tar") == _sha256(tmp_path / "b" / "bases.tar")


def test_archive_holds_docker_manifest_and_oci_layout(tmp_path):
    images = build_bases(
        "trixie", kinds=("distroless",), load=False, archive=tmp_path / "d.tar", oci_dir=tmp_path / "oci"
    )
    with tarfile.open(tmp_path / "d.tar") as archive:
        names = set(archive.getnames())
        manifest = json.load(archive.extractfile("manifest.json"))
        index = json.load(archive.extractfile("index.json"))
    assert {"manifest.json", "index.json", "oci-layout", "repositories"} <= names
    assert [entry["RepoTags"] for entry in manifest] == [[i.tag] for i in images]
    for entry in manifest:
        config = entry["Config"]
        assert config in names and all(layer in names for layer in entry["Layers"])
        assert "sha256:" + config.rsplit("/", 1)[1] in {i.image_id for i in images}
    assert {m["annotations"]["io.containerd.image.name"] for m in index["manifests"]} == {i.tag for i in images}
    oci = tmp_path / "oci"
    assert json.loads((oci / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    for blob in (oci / "blobs" / "sha256").iterdir():
        assert _sha256(blob) == blob.name


def test_source_date_epoch_sets_created_and_clamps_mtimes(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    images = build_bases("trixie", kinds=("distroless",), load=False, oci_dir=tmp_path / "oci")
    oci = tmp_path / "oci"
    manifest = json.loads((oci / "manifest.json").read_text())[0]
    config = json.loads((oci / manifest["Config"]).read_text())
    assert config["created"] == "2023-11-14T22:13:20Z"
    assert "sha256:" + manifest["Config"].rsplit("/", 1)[1] == images[0].image_id
    mtimes = set()
    for layer in manifest["Layers"]:
        with tarfile.open(oci / layer) as archive:
            mtimes |= {member.mtime for member in archive.getmembers()}
    assert max(mtimes) == 1_700_000_000
    assert all(member_uid_gid_numeric(oci / layer) for layer in manifest["Layers"])


def member_uid_gid_numeric(layer) -> bool:
    """Owners are numbers only (no user or group names), and only root or nonroot own anything."""
    with tarfile.open(layer) as archive:
        return all(m.uname == m.gname == "" and m.uid in (0, 65532) for m in archive.getmembers())


def test_two_platforms_make_one_image_index_per_base(tmp_path):
    """`dockwise base --platform linux/amd64,linux/arm64 --oci DIR`: one image index per base name, a manifest per
    platform, each image as its platform's own single build makes it (amd64 unchanged by the other platform)."""
    from dockwise.core.platform import ARM64, DEFAULT_PLATFORM
    from dockwise.image.sources import list_platforms, parse_source

    both = build_bases(
        "trixie", kinds=("distroless",), load=False, oci_dir=tmp_path / "oci", platforms=(DEFAULT_PLATFORM, ARM64)
    )
    alone = build_bases("trixie", kinds=("distroless",), load=False, archive=tmp_path / "amd64.tar")
    assert [(i.tag, i.platform) for i in both] == [
        ("dockwise/distroless-python3-debian13:latest", DEFAULT_PLATFORM),
        ("dockwise/distroless-python3-debian13:nonroot", DEFAULT_PLATFORM),
        ("dockwise/distroless-python3-debian13:latest-arm64", ARM64),
        ("dockwise/distroless-python3-debian13:nonroot-arm64", ARM64),
    ]
    assert [i.image_id for i in both[:2]] == [i.image_id for i in alone]
    index = json.loads((tmp_path / "oci" / "index.json").read_text())
    assert [m["annotations"]["io.containerd.image.name"] for m in index["manifests"]] == [
        "dockwise/distroless-python3-debian13:latest",
        "dockwise/distroless-python3-debian13:nonroot",
    ]
    for name in ("latest", "nonroot"):
        assert list_platforms(parse_source(f"oci:{tmp_path / 'oci'}:{name}")) == ("linux/amd64", "linux/arm64/v8")
