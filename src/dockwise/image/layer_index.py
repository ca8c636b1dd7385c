"""One layer tar -> its entries (headers only), the few small files the facts need, and private-key sniffs.

File data is never extracted: an uncompressed layer is walked by skipping file data; a gzip layer is inflated
through once in bounded pieces, its expansion capped (MAX_EXPANSION). Memory is bounded by the entry count
(capped, `max_entries`) and path lengths, plus the captured files (capped, CAPTURE_LIMIT).
"""

from __future__ import annotations

import posixpath
import re
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.core.knowledge import CONTENT_BYTES, PRIVATE_KEY, needs_content
from dockwise.image.tarstream import Member, TarError, TooLarge, members

if TYPE_CHECKING:
    import tarfile  # only for the annotation: inspect never loads tarfile

MAX_ENTRIES = 1_000_000
"""Default cap on tar entries per image: the index costs a few hundred bytes per entry (see tests/image/test_hostile.py)."""

MAX_EXPANSION = 100
EXPANSION_FLOOR = 256 << 20
"""A gzip layer may expand to max(MAX_EXPANSION x its compressed size, EXPANSION_FLOOR) bytes. Real layers expand
2-5x; deflate's ceiling is ~1032x, which only a crafted (or all-zero) stream comes near."""

CAPTURE_FILE_LIMIT = 8 << 20
CAPTURE_LIMIT = 64 << 20
"""Bytes of file content kept per image (passwd, os-release, dpkg status...), at most CAPTURE_FILE_LIMIT each."""

SNIFF_MIN, SNIFF_MAX, SNIFF_BYTES = 64, 64 << 10, 64
_NO_SNIFF_SUFFIXES = (".py", ".pyc", ".pyi", ".so", ".h", ".c", ".mo", ".gz", ".png", ".svg", ".html", ".js", ".css")

CAPTURED_EXACT = frozenset({"etc/passwd", "etc/group", "etc/os-release", "usr/lib/os-release", "var/lib/dpkg/status"})
CAPTURED_DIRS = ("var/lib/dpkg/status.d/",)
LICENCE_BYTES = 1 << 20
LICENCE_LIMIT = 32 << 20
"""With `Budget.licences`, also the licence sources (first LICENCE_BYTES each, LICENCE_LIMIT in all, apart from
CAPTURE_LIMIT so they never crowd out passwd or dpkg status): Debian's copyright files and dist-info METADATA and
licence files (see dockwise.image.licences)."""
_DIST_LICENCE = re.compile(r"\.dist-info/(?:METADATA$|licen[cs]es/|(?:LICEN[CS]E|COPYING)[^/]*$)")

WHITEOUT_PREFIX = ".wh."
OPAQUE = ".wh..wh..opq"

FILE, DIR, SYMLINK, HARDLINK, OTHER, WHITEOUT, OPAQUE_DIR = "f", "d", "l", "h", "o", "w", "q"


class Entry(NamedTuple):
    """One tar header, path relative to the image root without a leading slash (a NamedTuple: one per header)."""

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


@dataclass
class Budget:
    """Caps shared by all layers of one image."""

    max_entries: int = MAX_ENTRIES
    entries: int = 0
    captured: int = 0
    licences: bool = False
    licence_bytes: int = 0


def normalize(name: str, what: str) -> str:
    """The entry's path relative to the root; '..' that escapes the root is an error (the engine refuses it too)."""
    if name and not name.startswith(("/", "./")) and "/." not in name and "//" not in name and name[:1] != ".":
        return name.rstrip("/")  # the common case, already clean
    path = posixpath.normpath(name.lstrip("/")) if name.strip("/") else "."
    if path == ".." or path.startswith("../"):
        raise DockwiseError(
            f"{what}: entry {name[:120]!r} points outside the image root",
            "the archive is not a valid layer",
            exit_code=EXIT_USAGE,
        )
    return path


def entry_kind(member: Member | tarfile.TarInfo) -> str:
    """The kind of a tar member (ours or tarfile's: they answer the same questions)."""
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
    """Files the facts read: passwd, os-release, dpkg status, and the secret-by-name files whose content decides
    (`knowledge.needs_content`, first CONTENT_BYTES)."""
    return (
        path in CAPTURED_EXACT
        or (path.startswith(CAPTURED_DIRS) and not path.endswith(".md5sums"))
        or needs_content(path)
    )


def is_licence_source(path: str) -> bool:
    """`usr/share/doc/PKG/copyright`, or a dist-info's METADATA or licence file."""
    if path.endswith("/copyright"):
        return path.startswith("usr/share/doc/") and path.count("/") == 4
    return ".dist-info/" in path and _DIST_LICENCE.search(path) is not None


def _wants_sniff(path: str, size: int) -> bool:
    return SNIFF_MIN <= size <= SNIFF_MAX and not path.endswith(_NO_SNIFF_SUFFIXES)


def read_layer(source, *, what: str, budget: Budget) -> LayerIndex:
    """Walk a layer tar once (a BlobSource or a GzipSource from dockwise.image.tarstream); file data is skipped."""
    index = LayerIndex()
    try:
        _walk(source, index, what=what, budget=budget)
    except TooLarge as exc:
        raise expansion_error(what, exc) from None
    except TarError as exc:
        raise DockwiseError(
            f"{what}: unreadable layer tar ({exc})", "re-create the image archive", exit_code=EXIT_USAGE
        ) from None
    except zlib.error as exc:
        raise DockwiseError(
            f"{what}: corrupt gzip stream ({exc})", "re-create the image archive", exit_code=EXIT_USAGE
        ) from None
    return index


def expansion_limit(compressed_size: int) -> int:
    return max(MAX_EXPANSION * compressed_size, EXPANSION_FLOOR)


def expansion_error(what: str, exc: TooLarge) -> DockwiseError:
    return DockwiseError(
        f"{what}: {exc}, more than {MAX_EXPANSION}x: refused as a decompression bomb",
        "if you trust the image, `docker load` it and inspect it from the engine (whose export is uncompressed)",
        exit_code=EXIT_USAGE,
    )


def _walk(source, index: LayerIndex, *, what: str, budget: Budget) -> None:
    for member in members(source):
        budget.entries += 1
        if budget.entries > budget.max_entries:
            raise DockwiseError(
                f"{what}: more than {budget.max_entries} tar entries in the image",
                "this looks like a tar bomb; raise the limit only for an archive you trust",
                exit_code=EXIT_USAGE,
            )
        path = normalize(member.name, what)
        if path == ".":
            continue
        parent, _, base = path.rpartition("/")
        if base == OPAQUE:
            index.entries.append(Entry(parent, OPAQUE_DIR, 0, 0, 0, 0, ""))
            continue
        if base.startswith(WHITEOUT_PREFIX):
            index.entries.append(Entry(posixpath.join(parent, base[len(WHITEOUT_PREFIX) :]), WHITEOUT, 0, 0, 0, 0, ""))
            continue
        kind = entry_kind(member)
        link = normalize(member.linkname, what) if kind == HARDLINK else member.linkname if kind == SYMLINK else ""
        size = member.size if kind == FILE else 0
        index.entries.append(Entry(path, kind, member.mode, member.uid, member.gid, size, link))
        if kind != FILE or member.data_size != member.size:
            continue  # sparse files are never captured or sniffed
        if _wants_capture(path):
            wanted = min(size, CONTENT_BYTES) if needs_content(path) else size
            if wanted <= CAPTURE_FILE_LIMIT and budget.captured + wanted <= CAPTURE_LIMIT:
                index.captured[path] = source.read(wanted)
                budget.captured += wanted
        elif budget.licences and is_licence_source(path):
            wanted = min(size, LICENCE_BYTES)
            if budget.licence_bytes + wanted <= LICENCE_LIMIT:
                index.captured[path] = source.read(wanted)
                budget.licence_bytes += wanted
        elif _wants_sniff(path, size) and PRIVATE_KEY.search(source.read(SNIFF_BYTES)):
            index.private_keys.append(path)
