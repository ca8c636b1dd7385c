"""The lock and the release table (no engine, no network)."""

from __future__ import annotations

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.debian.bases import kind_tags
from dockwise.debian.lock import Lock, load_lock, lock_digest, save_lock
from dockwise.debian.profiles import FAITHFUL
from dockwise.debian.releases import RELEASES, release


@pytest.mark.parametrize("codename", sorted(RELEASES))
def test_committed_lock_covers_both_bases(codename):
    rel = release(codename)
    lock = load_lock(codename)
    assert lock.release == codename and lock.arch == "amd64"
    assert set(rel.distroless_packages) <= set(lock.packages)
    assert set(rel.slim_include) <= set(lock.slim)
    for record in lock.packages.values():
        assert len(record.sha256) == 64 and record.url.startswith("https://deb.debian.org/")
    python = lock.packages[f"python{rel.python}-minimal"].version
    assert python.startswith(rel.python + ".")


def test_lock_round_trips_byte_for_byte(tmp_path):
    lock = load_lock("trixie")
    save_lock(lock, tmp_path / "t.lock.json")
    again = load_lock("trixie", tmp_path / "t.lock.json")
    assert again == lock and lock_digest(again) == lock_digest(lock)
    assert Lock.from_json(lock.to_json()).to_json() == lock.to_json()


def test_release_lookup_by_codename_or_number():
    assert release("13") is release("trixie") is release("debian13")
    assert release("bookworm").python == "3.11"
    assert kind_tags(release("trixie")) == {
        "slim": ("dockwise/python:3.13-slim",),
        "distroless": ("dockwise/distroless-python3-debian13:latest", "dockwise/distroless-python3-debian13:nonroot"),
    }
    assert kind_tags(release("bookworm"), FAITHFUL, "registry.example:5000/team")["distroless"] == (
        "registry.example:5000/team/distroless-python3-debian12:faithful",
        "registry.example:5000/team/distroless-python3-debian12:faithful-nonroot",
    )
    with pytest.raises(DockwiseError) as caught:
        release("jessie")
    assert caught.value.exit_code == 2


def test_broken_lock_names_the_fix(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{}")
    with pytest.raises(DockwiseError) as caught:
        load_lock("trixie", path)
    assert "--update-lock" in caught.value.one_line()


@pytest.mark.slow
def test_update_lock_resolves_and_builds_from_the_new_lock(tmp_path):
    from tests.debian.helpers import dockwise

    lock_file = tmp_path / "trixie.lock.json"
    oci = tmp_path / "oci"
    result = dockwise(
        "base", "--update-lock", "--lock-file", str(lock_file), "--only", "distroless", "--no-load", "--oci", str(oci)
    )
    assert result.returncode == 0, result.stderr
    fresh, committed = load_lock("trixie", lock_file), load_lock("trixie")
    assert fresh.distroless == committed.distroless
    assert set(release("trixie").slim_include) <= set(fresh.slim)
    assert abs(len(fresh.slim) - len(committed.slim)) <= 5  # the archive may move on, not the closure's shape
    assert [s.suite for s in fresh.suites] == ["trixie", "trixie-updates", "trixie-security"]
    assert (oci / "index.json").is_file()
