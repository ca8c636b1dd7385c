"""linux/arm64 beside linux/amd64, for real: emulation reported (and set up) by `doctor --platforms`, the arm64
bases reproducible and their interpreter importing what amd64's does, the reference service built for both
platforms into one OCI image index and answering on arm64 under emulation."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time

import pytest

from dockwise.core.platform import ARM64, DEFAULT_PLATFORM
from dockwise.debian.bases import DISTROLESS, build_bases, ensure_bases
from dockwise.debian.releases import release
from dockwise.engine import containers
from dockwise.engine.emulation import platform_support
from dockwise.measure import http_faults
from tests.conftest import RUN_ID
from tests.debian.test_lean import IMPORT_MATRIX, SERVICE_CHECKS, SERVICE_EXPECTED

pytestmark = [pytest.mark.engine, pytest.mark.slow]

TRIXIE = release("trixie")


def dockwise(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dockwise.cli", *args], capture_output=True, text=True, timeout=1800)


@pytest.mark.root
def test_doctor_reports_both_platforms_ready():
    """As root on Debian `doctor --platforms` mounts binfmt_misc and installs qemu-user-static when arm64 does not
    run yet; either way it then proves arm64 on the host and in a container."""
    result = dockwise("doctor", "--platforms", "--json")
    assert result.returncode == 0, result.stderr
    platforms = {entry["platform"]: entry for entry in json.loads(result.stdout)["platforms"]}
    assert platforms["linux/amd64"]["native"] and platforms["linux/amd64"]["ready"]
    arm64 = platforms["linux/arm64"]
    assert arm64["ready"] and arm64["host_runs"] and arm64["engine_runs"], arm64
    assert arm64["handler"] == "qemu-aarch64" and "F" in arm64["flags"]  # F: usable inside containers


@pytest.fixture(scope="module")
def arm64_bases(docker_client):
    support = platform_support(ARM64, docker_client)
    assert support.ready, f"arm64 does not run here ({support.note}): run `dockwise doctor --platforms` as root"
    started = time.monotonic()
    images = {image.tag: image for image in ensure_bases("trixie", platforms=(ARM64,))}
    print(f"arm64 bases ready in {time.monotonic() - started:.1f} s: {sorted(images)}")
    return images


@pytest.mark.root
def test_arm64_distroless_is_reproducible_and_is_what_the_engine_holds(tmp_path, arm64_bases):
    first = build_bases("trixie", kinds=(DISTROLESS,), load=False, platforms=(ARM64,), archive=tmp_path / "a.tar")
    second = build_bases("trixie", kinds=(DISTROLESS,), load=False, platforms=(ARM64,), archive=tmp_path / "b.tar")
    assert [i.image_id for i in first] == [i.image_id for i in second]
    assert (
        hashlib.sha256((tmp_path / "a.tar").read_bytes()).digest()
        == hashlib.sha256((tmp_path / "b.tar").read_bytes()).digest()
    )
    assert {i.tag: i.image_id for i in first} == {tag: arm64_bases[tag].image_id for tag in (i.tag for i in first)}
    assert all(i.platform == ARM64 for i in first)
    print("arm64 distroless image IDs, twice:", [i.image_id[7:19] for i in first], [i.image_id[7:19] for i in second])


def _run_json(client, image: str, script: str, labels: dict[str, str]):
    container = client.containers.run(image, ["-c", script], detach=True, labels=labels)
    try:
        assert container.wait(timeout=600)["StatusCode"] == 0, container.logs()[-2000:]
        return json.loads(container.logs(stderr=False).decode().strip().splitlines()[-1])
    finally:
        container.remove(force=True)


def test_arm64_distroless_imports_every_module_amd64_does(docker_client, arm64_bases, test_labels):
    """The arm64 base's own interpreter, under emulation, imports the same stdlib as the amd64 base's, and what a
    web service needs (TLS with the CA bundle, sqlite3, zoneinfo, ctypes.find_library, C.UTF-8, venv) works."""
    tag = TRIXIE.distroless_repo() + ":nonroot"
    amd64 = _run_json(docker_client, tag, IMPORT_MATRIX, test_labels)
    started = time.monotonic()
    arm64 = _run_json(docker_client, ARM64.tag(tag), IMPORT_MATRIX, test_labels)
    print(f"arm64 import matrix under emulation: {time.monotonic() - started:.1f} s, {len(arm64['imported'])} modules")
    # the only names that differ are the build configuration's, which carry the architecture's triplet
    as_amd64 = {name.replace("aarch64", "x86_64") for name in arm64["imported"]}
    assert len(amd64["imported"]) > 500 and as_amd64 == set(amd64["imported"])
    assert "_sysconfigdata__linux_aarch64-linux-gnu" in arm64["imported"]
    assert _run_json(
        docker_client,
        ARM64.tag(tag),
        SERVICE_CHECKS + "\nimport platform; print(json.dumps([json.loads(json.dumps(out)), platform.machine()]))",
        test_labels,
    ) == [SERVICE_EXPECTED, "aarch64"]


@pytest.fixture(scope="module")
def multiarch(arm64_bases, docker_client, test_labels, tmp_path_factory):
    """The reference service's distroless image for both platforms (dockwise build --platform), as one index."""
    from dockwise.jobs.build import BaseSource, bundled_app_dir
    from dockwise.jobs.multiplatform import build_platforms

    oci = tmp_path_factory.mktemp("index") / "oci"
    built = build_platforms(
        bundled_app_dir(),
        "distroless",
        [DEFAULT_PLATFORM, ARM64],
        tag=f"dockwise-test/multiarch:{RUN_ID}",
        source=BaseSource.LOCAL,
        oci_dir=oci,
        labels=test_labels,
        client=docker_client,
    )
    for each in built.builds:
        print(f"built {each.result.tag} for {each.platform} in {each.result.seconds:.1f} s")
    return built


def test_the_index_holds_both_platforms_as_built(multiarch, docker_client):
    amd64, arm64 = multiarch.builds
    assert (amd64.platform, arm64.platform) == (DEFAULT_PLATFORM, ARM64)
    assert arm64.result.tag == amd64.result.tag + "-arm64"
    assert docker_client.images.get(arm64.result.tag).attrs["Architecture"] == "arm64"
    result = dockwise("inspect", str(multiarch.oci_dir), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(p["platform"], p["image"]["id"]) for p in report["platforms"]] == [
        ("linux/amd64", amd64.result.image_id),
        ("linux/arm64", arm64.result.image_id),
    ]
    assert all(p["findings"] == [] and p["image"]["user"]["uid"] == 65532 for p in report["platforms"])
    index = json.loads((multiarch.oci_dir / "index.json").read_text())["manifests"][0]
    assert index["digest"] == multiarch.index_digest


def test_the_reference_service_answers_on_arm64(multiarch, docker_client, test_labels):
    """The arm64 image under the hardened run profile, emulated: its first 200, and the machine it reports."""
    arm64 = multiarch.builds[1].result
    started = time.monotonic()
    with containers.running(docker_client, arm64.tag, port=5000, labels=test_labels) as published:
        waited = containers.wait_for_http_ok(published, "/healthz", timeout=120)
        machine = published.container.exec_run(
            ["/opt/venv/bin/python", "-c", "import platform; print(platform.machine())"]
        )
        assert http_faults.get_status(published.host_port or 0, "/", timeout=10) == 200
    print(f"arm64 first 200 after {waited * 1000:.0f} ms (container started {time.monotonic() - started:.1f} s ago)")
    assert machine.output.decode().strip() == "aarch64"
