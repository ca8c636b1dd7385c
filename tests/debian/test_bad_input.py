"""Bad input and tampering: one line naming cause and fix, exit code != 0, nothing half-written, nothing tagged."""

from __future__ import annotations

import json
import shutil

import pytest

from dockwise.debian.cache import default_cache_dir
from dockwise.debian.lock import load_lock, lock_path
from dockwise.debian.profiles import LEAN
from dockwise.debian.releases import release
from tests.debian.helpers import NAMESPACE, dockwise


def _one_line(stderr: str) -> str:
    """The single `error:` line (progress lines may precede it); never a traceback."""
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_unknown_release():
    result = dockwise("base", "--release", "buzz")
    assert result.returncode == 2
    assert "'buzz' is not one of 'trixie'" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.network
def test_unknown_package_writes_no_lock(tmp_path):
    lock = tmp_path / "x.lock.json"
    result = dockwise(
        "base",
        "--update-lock",
        "--package",
        "no-such-package-dw",
        "--lock-file",
        str(lock),
        "--no-load",
        "--archive",
        str(tmp_path / "a.tar"),
    )
    assert result.returncode == 2
    assert "unknown Debian package no-such-package-dw" in _one_line(result.stderr)
    assert list(tmp_path.iterdir()) == []


def _copy_of_distroless_cache(lock, cache):
    """The distroless .debs of the real cache, copied, so a test can tamper with them."""
    cache.mkdir()
    for name in lock.distroless:
        record = lock.packages[name]
        shutil.copyfile(default_cache_dir() / record.deb_name, cache / record.deb_name)
    return cache


@pytest.mark.engine
def test_tampered_deb_is_refused_and_nothing_tagged(tmp_path, docker_client):
    lock = load_lock("trixie")
    cache = _copy_of_distroless_cache(lock, tmp_path / "debs")
    victim = cache / lock.packages["libc6"].deb_name
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(data)
    tags = LEAN.tags(release("trixie"), NAMESPACE)
    before = {tag: _image_id(docker_client, tag) for tag in tags}
    images_before = {image.id for image in docker_client.images.list(all=True)}

    result = dockwise("base", "--only", "distroless", "--rebuild", "--cache-dir", str(cache))

    assert result.returncode == 1
    line = _one_line(result.stderr)
    assert "sha256 mismatch for libc6" in line and str(victim) in line and "delete" in line
    assert {tag: _image_id(docker_client, tag) for tag in tags} == before
    assert {image.id for image in docker_client.images.list(all=True)} <= images_before


@pytest.mark.network
def test_tampered_deb_leaves_no_archive(tmp_path):
    lock = load_lock("trixie")
    cache = _copy_of_distroless_cache(lock, tmp_path / "debs")
    victim = cache / lock.packages["python3.13-minimal"].deb_name
    victim.write_bytes(victim.read_bytes() + b"x")
    out = tmp_path / "out"
    result = dockwise(
        "base",
        "--only",
        "distroless",
        "--no-load",
        "--cache-dir",
        str(cache),
        "--archive",
        str(out / "d.tar"),
        "--oci",
        str(out / "oci"),
    )
    assert result.returncode == 1
    assert "sha256 mismatch for python3.13-minimal" in _one_line(result.stderr)
    assert not out.exists() or list(out.iterdir()) == []


def test_unreachable_archive(tmp_path):
    data = json.loads(lock_path("trixie").read_text())
    for entry in data["packages"]:
        entry["url"] = entry["url"].replace("https://deb.debian.org", "http://127.0.0.1:9")
    lock = tmp_path / "lock.json"
    lock.write_text(json.dumps(data))
    result = dockwise(
        "base",
        "--only",
        "distroless",
        "--no-load",
        "--cache-dir",
        str(tmp_path / "empty"),
        "--lock-file",
        str(lock),
        "--archive",
        str(tmp_path / "d.tar"),
    )
    assert result.returncode == 1
    assert "Debian archive unreachable: http://127.0.0.1:9/" in _one_line(result.stderr)
    assert not (tmp_path / "d.tar").exists()
    assert [p.name for p in (tmp_path / "empty").iterdir()] == []


def test_bad_namespace_is_refused_before_building(tmp_path):
    result = dockwise("base", "--namespace", "Not A Name", "--no-load", "--archive", str(tmp_path / "a.tar"))
    assert result.returncode == 2
    assert "namespace 'Not A Name' cannot prefix an image name" in _one_line(result.stderr)
    assert list(tmp_path.iterdir()) == []


def test_no_load_without_output_is_refused():
    result = dockwise("base", "--no-load")
    assert result.returncode == 2
    assert "--no-load" in _one_line(result.stderr)


def _image_id(client, tag):
    from docker.errors import ImageNotFound

    try:
        return client.images.get(tag).id
    except ImageNotFound:
        return None


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MB tmpfs (root only): real ENOSPC, unmounted afterwards."""
    import os
    import subprocess

    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)]).returncode:
        pytest.skip("mounting a tmpfs needs root")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.root
@pytest.mark.network
def test_full_cache_disk(tmp_path, tiny_disk):
    out = tmp_path / "d.tar"
    result = dockwise(
        "base", "--only", "distroless", "--no-load", "--cache-dir", str(tiny_disk / "debs"), "--archive", str(out)
    )
    assert result.returncode == 1
    assert "disk full while writing" in _one_line(result.stderr)
    assert not out.exists()
    assert not [p.name for p in (tiny_disk / "debs").iterdir() if p.name.startswith(".")]  # no partial download


@pytest.mark.root
@pytest.mark.network
def test_full_work_disk(tmp_path, tiny_disk):
    import os

    out = tmp_path / "d.tar"
    env = dict(os.environ, TMPDIR=str(tiny_disk))
    result = dockwise("base", "--only", "distroless", "--no-load", "--archive", str(out), env=env)
    assert result.returncode == 1
    assert "disk full while building the bases" in _one_line(result.stderr)
    assert not out.exists() and list(tiny_disk.iterdir()) == []


def test_oci_output_never_replaces_an_unrelated_directory(tmp_path):
    keep = tmp_path / "precious"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    result = dockwise("base", "--only", "distroless", "--no-load", "--oci", str(keep))
    assert result.returncode == 2
    assert "is not an OCI layout" in _one_line(result.stderr)
    assert [p.name for p in keep.iterdir()] == ["notes.txt"]
