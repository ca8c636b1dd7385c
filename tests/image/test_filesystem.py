"""Layers applied in order: whiteouts, opaque directories, overwrites, symlinks; hidden copies become waste."""

from __future__ import annotations

from dockwise.image.blob import Blob
from dockwise.image.filesystem import FileSystem
from dockwise.image.layer_index import Budget, read_layer
from dockwise.image.tarstream import BlobSource
from tests.image.archives import F, layer


def _fs(*layers: bytes) -> FileSystem:
    indexes = [read_layer(BlobSource(Blob.of_bytes(data)), what="test", budget=Budget()) for data in layers]
    return FileSystem.apply(indexes)


def test_whiteout_deletes_a_file_and_its_bytes_become_waste():
    fs = _fs(layer(F("a/big", b"x" * 1000), F("a/keep", b"k")), layer(F("a/big", kind="whiteout")))
    assert "a/big" not in fs.nodes and "a/keep" in fs.nodes
    assert [(h.path, h.size, h.layer, h.hidden_by, h.reason) for h in fs.hidden] == [("a/big", 1000, 0, 1, "deleted")]


def test_whiteout_of_a_directory_deletes_everything_below_it():
    fs = _fs(layer(F("d", kind="dir"), F("d/x/1", b"12"), F("d/x/2", b"345")), layer(F("d/x", kind="whiteout")))
    assert sorted(fs.nodes) == ["d"]
    assert sum(h.size for h in fs.hidden) == 5


def test_opaque_directory_hides_lower_children_but_keeps_its_own_layer():
    fs = _fs(
        layer(F("d", kind="dir"), F("d/old", b"old")),
        layer(F("d", kind="opaque"), F("d", kind="dir"), F("d/new", b"new")),
    )
    assert sorted(fs.nodes) == ["d", "d/new"]
    assert [h.path for h in fs.hidden] == ["d/old"]


def test_overwritten_file_counts_each_hidden_copy_once_not_the_visible_one():
    fs = _fs(layer(F("f", b"a" * 10)), layer(F("f", b"b" * 20)), layer(F("f", b"c" * 30)))
    assert fs.nodes["f"].entry.size == 30 and fs.nodes["f"].layer == 2
    assert sorted((h.size, h.hidden_by) for h in fs.hidden) == [(10, 1), (20, 2)]


def test_a_chmod_only_layer_duplicates_the_file():
    fs = _fs(layer(F("app/x", b"z" * 100, mode=0o644)), layer(F("app/x", b"z" * 100, mode=0o755)))
    assert fs.nodes["app/x"].entry.mode == 0o755
    assert [h.reason for h in fs.hidden] == ["overwritten"]


def test_symlinks_resolve_inside_the_image_root():
    fs = _fs(
        layer(
            F("usr/bin/dash", b"\x7fELF", mode=0o755),
            F("bin", kind="symlink", link="usr/bin"),
            F("usr/bin/sh", kind="symlink", link="dash"),
            F("escape", kind="symlink", link="../../../usr/bin/dash"),
            F("loop1", kind="symlink", link="loop2"),
            F("loop2", kind="symlink", link="/loop1"),
        )
    )
    assert fs.resolve("bin/sh") == "usr/bin/dash"
    assert fs.is_file("bin/sh")
    assert fs.resolve("escape") == "usr/bin/dash"  # '..' stops at the root, as in a chroot
    assert fs.resolve("loop1") is None
    assert fs.resolve("bin/missing") is None


def test_replacing_a_directory_by_a_file_drops_its_children():
    fs = _fs(layer(F("p", kind="dir"), F("p/c", b"cc")), layer(F("p", b"file now")))
    assert sorted(fs.nodes) == ["p"] and fs.nodes["p"].entry.kind == "f"
    assert [h.path for h in fs.hidden] == ["p/c"]
