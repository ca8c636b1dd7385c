"""One layer tar -> its entries (headers only), the few small files the facts need, and private-key sniffs.

File data is never extracted: a seekable layer is walked by seeking past file data; a compressed one is streamed.
Memory is bounded by the entry count (capped, `max_entries`) plus the captured files (capped, CAPTURE_LIMIT).
"""

from __future__ import annotations

import gzip
import posixpath
import re
import tarfile
import zlib
from dataclasses import dataclass, field

from dockwise.errors import DockwiseError

MAX_ENTRIES = 1_000_000
"""Default cap on tar entries per image: the index costs a few hundred bytes per entry (see tests/image/test_hostile.py)."""

CAPTURE_FILE_LIMIT = 8 << 20
CAPTURE_LIMIT = 64 << 20
"""Bytes of file content kept per image (passwd, os-release, dpkg status...), at most CAPTURE_FILE_LIMIT each."""

SNIFF_MIN, SNIFF_MAX, SNIFF_BYTES = 64, 64 << 10, 64
_NO_SNIFF_SUFFIXES = (".py", ".pyc", ".pyi", ".so", ".h", ".c", ".mo", ".gz", ".png", ".svg", ".html", ".js", ".css")
_PRIVATE_KEY = re.compile(rb"-----BEGIN ([A-Z0-9 ]+ )?PRIVATE KEY-----")

CAPTURED_EXACT = frozenset(
    {"etc/passwd", "etc/group", "etc/os-release", "usr/lib/os-release", "var/lib/dpkg/status", "etc/debian_version"}
)
CAPTURED_DIRS = ("var/lib/dpkg/status.d/",)

WHITEOUT_PREFIX = ".wh."
OPAQUE = ".wh..wh..opq"

FILE, DIR, SYMLINK, HARDLINK, OTHER, WHITEOUT, OPAQUE_DIR = "f", "d", "l", "h", "o", "w", "q"


@dataclass(frozen=True, slots=True)
class Entry:
    """One tar header, path relative to the image root without a leading slash."""

    path: str
    kind: str
    mode: int
    uid: int
    gid: int
    size: int
    link: str


@dataclass
class LayerIndex:
    """What one pass over a layer tar found. Mutable only while the pass runs."""

    entries: list[Entry] = field(default_factory=list)
    captured: dict[str, bytes] = field(default_factory=dict)
    private_keys: list[str] = field(default_factory=list)
    tar_bytes: int = 0


@dataclass
class Budget:
    """Caps shared by all layers of one image."""

    max_entries: int = MAX_ENTRIES
    entries: int = 0
    captured: int = 0


def normalize(name: str, what: str) -> str:
    """The entry's path relative to the root; '..' that escapes the root is an error (the engine refuses it too)."""
    path = posixpath.normpath(name.lstrip("/")) if name.strip("/") else "."
    if path == ".." or path.startswith("../"):
        raise DockwiseError(f"{what}: entry {name[:120]!r} points outside the image root", "the archive is not a valid layer", exit_code=2)
    return path


def _kind(member: tarfile.TarInfo) -> str:
    if member.isreg():
        return FILE
    if member.isdir():
        return DIR
    if member.issym():
        return SYMLINK
    if member.islnk():
        return HARDLINK
    return OTHER


def _wants_capture(path: str) -> bool:
    return path in CAPTURED_EXACT or (path.startswith(CAPTURED_DIRS) and not path.endswith(".md5sums"))


def _wants_sniff(path: str, size: int) -> bool:
    return SNIFF_MIN <= size <= SNIFF_MAX and not path.endswith(_NO_SNIFF_SUFFIXES)


def read_layer(fileobj, *, what: str, budget: Budget, compressed: bool) -> LayerIndex:
    """Walk a layer tar once. `fileobj` is a seekable window (plain tar) or a stream (gzip; decompressed here)."""
    index = LayerIndex()
    try:
        if compressed:
            tar = tarfile.open(fileobj=gzip.GzipFile(fileobj=fileobj, mode="rb"), mode="r|")
        else:
            if fileobj.seek(0, 2) == 0:
                return index
            fileobj.seek(0)
            tar = tarfile.open(fileobj=fileobj, mode="r:")
        with tar:
            _walk(tar, index, what=what, budget=budget)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, ValueError) as exc:
        raise DockwiseError(f"{what}: unreadable layer tar ({exc})", "re-create the image archive", exit_code=2) from None
    return index


def _walk(tar: tarfile.TarFile, index: LayerIndex, *, what: str, budget: Budget) -> None:
    while True:
        member = tar.next()
        if member is None:
            break
        tar.members.clear()  # tarfile keeps every header otherwise; we keep our own compact index
        budget.entries += 1
        if budget.entries > budget.max_entries:
            raise DockwiseError(
                f"{what}: more than {budget.max_entries} tar entries in the image",
                "this looks like a tar bomb; raise the limit only for an archive you trust",
                exit_code=2,
            )
        path = normalize(member.name, what)
        if path == ".":
            continue
        base = posixpath.basename(path)
        parent = posixpath.dirname(path)
        if base == OPAQUE:
            index.entries.append(Entry(parent, OPAQUE_DIR, 0, 0, 0, 0, ""))
            continue
        if base.startswith(WHITEOUT_PREFIX):
            index.entries.append(Entry(posixpath.join(parent, base[len(WHITEOUT_PREFIX):]), WHITEOUT, 0, 0, 0, 0, ""))
            continue
        kind = _kind(member)
        link = normalize(member.linkname, what) if kind == HARDLINK else member.linkname if kind == SYMLINK else ""
        size = member.size if kind == FILE else 0
        index.entries.append(Entry(path, kind, member.mode, member.uid, member.gid, size, link))
        index.tar_bytes += size
        if kind != FILE:
            continue
        if _wants_capture(path):
            _capture(tar, member, path, index, budget)
        elif _wants_sniff(path, size):
            head = _read(tar, member, SNIFF_BYTES)
            if _PRIVATE_KEY.search(head):
                index.private_keys.append(path)


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo, limit: int) -> bytes:
    handle = tar.extractfile(member)
    return handle.read(limit) if handle is not None else b""


def _capture(tar: tarfile.TarFile, member: tarfile.TarInfo, path: str, index: LayerIndex, budget: Budget) -> None:
    if member.size > CAPTURE_FILE_LIMIT or budget.captured + member.size > CAPTURE_LIMIT:
        return
    data = _read(tar, member, member.size)
    budget.captured += len(data)
    index.captured[path] = data
