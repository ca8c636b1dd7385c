"""Unit tests of the deterministic layer writer and the merged-/usr mapping (no engine)."""

from __future__ import annotations

import io
import tarfile

from dockwise.debian.distroless import _merged_usr
from dockwise.debian.tar_tree import DIR, FILE, SYMLINK, Entry, Tree, clean_path


def _source_tar(members: list[tuple[tarfile.TarInfo, bytes]]) -> tarfile.TarFile:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    buffer.seek(0)
    return tarfile.open(fileobj=buffer)


def _info(name: str, kind=tarfile.REGTYPE, mtime=2_000_000_000, link="", uid=1000) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mtime, info.linkname, info.uid, info.gid = kind, mtime, link, uid, uid
    info.uname = info.gname = "someone"
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    return info


def test_clean_path():
    assert clean_path("./usr/bin/") == "usr/bin"
    assert clean_path("/etc//passwd") == "etc/passwd"
    assert clean_path("./") == ""


def test_written_tar_is_sorted_clamped_numeric_and_has_parents(tmp_path):
    tree = Tree()
    tree.add_tar(_source_tar([(_info("./z/file"), b"z"), (_info("./a/b/file", mtime=5), b"a")]))
    blob = tree.write(tmp_path / "layer.tar", epoch=1_000)
    with tarfile.open(blob.path) as archive:
        members = archive.getmembers()
    assert [m.name for m in members] == ["a", "a/b", "a/b/file", "z", "z/file"]
    assert {m.mtime for m in members} == {5, 1_000}  # clamped, never raised
    assert {(m.uname, m.gname) for m in members} == {("", "")}
    assert [m.uid for m in members if m.isreg()] == [1000, 1000]  # numeric owners are kept


def test_hard_links_become_copies_so_order_cannot_break_them(tmp_path):
    tree = Tree()
    tree.add_tar(
        _source_tar([(_info("usr/bin/zz"), b"payload"), (_info("usr/bin/aa", tarfile.LNKTYPE, link="usr/bin/zz"), b"")])
    )
    blob = tree.write(tmp_path / "layer.tar", epoch=10**10)
    with tarfile.open(blob.path) as archive:
        assert archive.extractfile("usr/bin/aa").read() == b"payload"
        assert not any(m.islnk() for m in archive.getmembers())


def test_same_tree_gives_same_bytes_and_diff_id(tmp_path):
    def build(order):
        tree = Tree()
        for path in order:
            tree.add(Entry(path, FILE, 0o644, mtime=7, data=path.encode()))
        tree.add(Entry("link", SYMLINK, 0o777, target="usr/x"))
        return tree.write(tmp_path / f"{len(list(tmp_path.iterdir()))}.tar", epoch=100)

    first, second = build(["usr/x", "etc/y"]), build(["etc/y", "usr/x"])
    assert first.diff_id == second.diff_id
    assert first.path.read_bytes() == second.path.read_bytes()


def test_devices_are_dropped_and_existing_directories_keep_metadata():
    tree = Tree()
    tree.add(Entry("tmp", DIR, 0o1777))
    tree.add_tar(_source_tar([(_info("dev/null", tarfile.CHRTYPE), b""), (_info("tmp", tarfile.DIRTYPE), b"")]))
    assert "dev/null" not in tree.entries
    assert tree.entries["tmp"].mode == 0o1777
    tree.add(Entry("tmp", DIR, 0o755), override=True)
    assert tree.entries["tmp"].mode == 0o755


def test_merged_usr_moves_aliases_into_usr():
    assert _merged_usr("bin/sh") == "usr/bin/sh"
    assert _merged_usr("lib64/ld-linux-x86-64.so.2") == "usr/lib64/ld-linux-x86-64.so.2"
    assert _merged_usr("lib") is None  # the alias symlink itself is ours
    assert _merged_usr("library/x") == "library/x"
    assert _merged_usr("etc/passwd") == "etc/passwd"
