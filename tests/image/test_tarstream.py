"""The header walker agrees with Python's tarfile on every format tarfile writes (ustar, GNU, pax)."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockwise.image.blob import Blob
from dockwise.image.tarstream import BlobSource, GzipSource, TarError, members

NAME_PART = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x24F, exclude_characters="/\\"), min_size=1, max_size=40
)
ENTRY = st.tuples(
    st.lists(NAME_PART, min_size=1, max_size=6).map("/".join),
    st.sampled_from(["file", "dir", "symlink", "hardlink"]),
    st.binary(max_size=700),
    st.integers(0, 0o7777),
    st.integers(0, 2_000_000),
)


def _tar(entries, fmt) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as tar:
        for name, kind, data, mode, uid in entries:
            info = tarfile.TarInfo(name)
            info.mode, info.uid, info.gid = mode, uid, uid
            if kind == "dir":
                info.type = tarfile.DIRTYPE
            elif kind in ("symlink", "hardlink"):
                info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
                info.linkname = name + "-target" * 8
            else:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if kind == "file" else None)
    return buffer.getvalue()


def _theirs(data: bytes):
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return [(m.name, m.type, m.mode, m.uid, m.gid, m.size, m.linkname) for m in tar]


def _ours(source):
    return [
        (m.name.rstrip("/") if m.isdir() else m.name, m.type, m.mode, m.uid, m.gid, m.size, m.linkname)
        for m in members(source)
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(ENTRY, max_size=8), st.sampled_from([tarfile.GNU_FORMAT, tarfile.PAX_FORMAT]))
def test_agrees_with_tarfile(entries, fmt):
    data = _tar(entries, fmt)
    assert _ours(BlobSource(Blob.of_bytes(data))) == _theirs(data)
    assert _ours(GzipSource(Blob.of_bytes(gzip.compress(data)))) == _theirs(data)


def test_ustar_prefix_long_names_and_base256_sizes():
    name = "d" * 120 + "/file"  # ustar splits it into prefix + name
    data = _tar([(name, "file", b"x", 0o644, 0)], tarfile.USTAR_FORMAT)
    [member] = members(BlobSource(Blob.of_bytes(data)))
    assert member.name == name
    header = bytearray(_tar([("big", "file", b"", 0o644, 0)], tarfile.GNU_FORMAT)[:512])
    header[124:136] = b"\x80" + (5).to_bytes(11, "big")  # base-256 size: 5
    header[148:156] = b" " * 8
    header[148:156] = f"{sum(header):06o}\0 ".encode()
    [big] = members(BlobSource(Blob.of_bytes(bytes(header) + b"hello".ljust(512, b"\0") + b"\0" * 1024)))
    assert big.size == 5


def test_data_read_by_the_caller_is_not_skipped_twice():
    data = _tar([("a", "file", b"A" * 600, 0o644, 0), ("b", "file", b"B", 0o644, 0)], tarfile.GNU_FORMAT)
    source = BlobSource(Blob.of_bytes(data))
    seen = []
    for member in members(source):
        seen.append((member.name, source.read(min(3, member.data_size))))
    assert seen == [("a", b"AAA"), ("b", b"B")]


def test_truncated_gzip_is_an_error():
    data = gzip.compress(_tar([("a", "file", bytes(range(256)) * 64, 0o644, 0)], tarfile.GNU_FORMAT))
    with pytest.raises(TarError):
        list(members(GzipSource(Blob.of_bytes(data[: len(data) // 2]))))
