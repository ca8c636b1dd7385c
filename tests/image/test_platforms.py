"""Image indexes (no engine): dockwise writes one OCI image index per name, and `inspect`, `compare` and `sbom`
read every platform of it, or the one `--platform` picks."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dockwise.image import collect
from dockwise.image.archive_writer import (
    ImageSpec,
    IndexSpec,
    Layer,
    canonical_json,
    index_digest,
    write_oci_index_layout,
)
from dockwise.image.sources import list_platforms, parse_source
from dockwise.jobs.platforms import one_platform, platform_targets
from tests.image.archives import F, layer


def _spec(tmp_path: Path, arch: str, variant: str = "") -> ImageSpec:
    data = layer(F("etc/os-release", b"ID=test\n"), F(f"usr/lib/{arch}-marker", arch.encode()))
    path = tmp_path / f"{arch}.tar"
    path.write_bytes(data)
    diff_id = "sha256:" + hashlib.sha256(data).hexdigest()
    config = {
        "architecture": arch,
        "os": "linux",
        **({"variant": variant} if variant else {}),
        "config": {"User": "65532", "Cmd": ["/bin/true"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": f"test {arch}"}],
    }
    return ImageSpec(("test/multi:1",), canonical_json(config), (Layer(path, diff_id, len(data)),))


@pytest.fixture
def index_layout(tmp_path) -> tuple[Path, IndexSpec]:
    spec = IndexSpec("test/multi:1", (_spec(tmp_path, "amd64"), _spec(tmp_path, "arm64", "v8")))
    write_oci_index_layout([spec], tmp_path / "oci")
    return tmp_path / "oci", spec


def test_the_layout_names_one_index_with_a_manifest_per_platform(index_layout):
    oci, spec = index_layout
    top = json.loads((oci / "index.json").read_text())
    [entry] = top["manifests"]
    assert entry["mediaType"] == "application/vnd.oci.image.index.v1+json" and entry["digest"] == index_digest(spec)
    assert entry["annotations"]["org.opencontainers.image.ref.name"] == "1"
    nested = json.loads((oci / "blobs" / "sha256" / entry["digest"].split(":")[1]).read_text())
    assert [m["platform"] for m in nested["manifests"]] == [
        {"architecture": "amd64", "os": "linux"},
        {"architecture": "arm64", "os": "linux", "variant": "v8"},
    ]
    for blob in (oci / "blobs" / "sha256").iterdir():
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name


def test_every_platform_is_listed_and_each_one_read(index_layout):
    oci, spec = index_layout
    assert list_platforms(parse_source(str(oci))) == ("linux/amd64", "linux/arm64/v8")
    targets = platform_targets(str(oci))
    assert [t.platform for t in targets] == ["linux/amd64", "linux/arm64/v8"]
    facts = [collect(t.source) for t in targets]
    assert [(f.architecture, f.id) for f in facts] == [
        ("amd64", spec.images[0].image_id),
        ("arm64", spec.images[1].image_id),
    ]


def test_platform_picks_one(index_layout):
    oci, spec = index_layout
    [target] = platform_targets(f"oci:{oci}:1", "linux/arm64")
    assert collect(target.source).id == spec.images[1].image_id
    with pytest.raises(Exception, match="no linux/s390x manifest"):
        collect(platform_targets(str(oci), "linux/s390x")[0].source)


def _dockwise(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dockwise.cli", *args], capture_output=True, text=True, timeout=120)


def test_inspect_reports_per_platform(index_layout):
    oci, spec = index_layout
    result = _dockwise("inspect", str(oci), "--format", "json", "--failure-threshold", "error")
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert [(p["platform"], p["image"]["architecture"], p["image"]["id"]) for p in report["platforms"]] == [
        ("linux/amd64", "amd64", spec.images[0].image_id),
        ("linux/arm64/v8", "arm64", spec.images[1].image_id),
    ]
    sarif = json.loads(_dockwise("inspect", str(oci), "--format", "sarif").stdout)
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
        for loc in r["locations"]
    }
    assert uris <= {f"{oci}#linux/amd64", f"{oci}#linux/arm64/v8"} and uris
    one = json.loads(_dockwise("inspect", str(oci), "--platform", "linux/arm64", "--format", "json").stdout)
    assert [p["image"]["architecture"] for p in one["platforms"]] == ["arm64"]


def test_compare_gives_each_platform_a_column(index_layout):
    oci = index_layout[0]
    result = _dockwise("compare", str(oci), "--no-runtime", "--format", "json")
    assert result.returncode == 0, result.stderr
    names = [image["name"] for image in json.loads(result.stdout)["images"]]
    assert names == ["1#linux/amd64", "1#linux/arm64/v8"]


def test_sbom_wants_one_platform(index_layout):
    oci = index_layout[0]
    with pytest.raises(Exception, match="holds 2 platforms"):
        one_platform(str(oci), None)
    result = _dockwise("sbom", str(oci), "--platform", "linux/arm64")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["bomFormat"] == "CycloneDX"
    refused = _dockwise("sbom", str(oci))
    assert refused.returncode == 2 and "--platform" in refused.stderr


def test_a_single_platform_image_is_read_as_before(tmp_path):
    from dockwise.image.archive_writer import write_docker_archive, write_oci_layout

    spec = _spec(tmp_path, "amd64")
    write_oci_layout([spec], tmp_path / "flat")
    write_docker_archive([spec], tmp_path / "saved.tar")
    assert [t.platform for t in platform_targets(str(tmp_path / "flat"))] == [None]
    assert [t.platform for t in platform_targets(str(tmp_path / "saved.tar"))] == [None]
    with pytest.raises(Exception, match="no linux/arm64 manifest"):
        collect(platform_targets(str(tmp_path / "flat"), "linux/arm64")[0].source)
    with pytest.raises(Exception, match="is linux/amd64, not linux/arm64"):
        collect(platform_targets(f"docker-archive:{tmp_path / 'saved.tar'}", "linux/arm64")[0].source)
    assert collect(platform_targets(str(tmp_path / "saved.tar"), "linux/amd64")[0].source).id == spec.image_id
