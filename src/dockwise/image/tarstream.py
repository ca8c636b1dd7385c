"""A read-only tar header walker (ustar, GNU long names and sparse files, pax), built for auditing, not extracting.

Why not tarfile: it decodes every header field in Python and keeps a TarInfo per member; on a 6,000-file layer
that was most of `inspect`'s time. Here only the fields the facts use are decoded, file data is skipped by
offset arithmetic (or inflated through in bounded pieces when the layer is a gzip stream), and the member
iterator keeps nothing. Malformed input raises TarError with the byte offset.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from typing import NamedTuple

from dockwise.image.blob import Blob

BLOCK = 512
MAX_META = 1 << 20
"""Longest GNU long name / pax header accepted: real ones are a few hundred bytes."""

REGULAR, HARDLINK, SYMLINK, CHAR, BLOCKDEV, DIRECTORY, FIFO, CONTIGUOUS = b"0", b"1", b"2", b"3", b"4", b"5", b"6", b"7"
GNU_LONGNAME, GNU_LONGLINK, GNU_SPARSE, PAX, PAX_GLOBAL = b"L", b"K", b"S", b"x", b"g"
_DATA_TYPES = frozenset({REGULAR, b"\0", CONTIGUOUS, GNU_SPARSE})
_KNOWN_NO_DATA = frozenset({HARDLINK, SYMLINK, CHAR, BLOCKDEV, DIRECTORY, FIFO})
_META_TYPES = frozenset({GNU_LONGNAME, GNU_LONGLINK, PAX, PAX_GLOBAL})
_PLAIN_TYPES = frozenset({b"\0", CONTIGUOUS})


class TarError(Exception):
    """The bytes are not a well-formed tar archive."""


class Member(NamedTuple):
    """One archive member. `size` is the apparent size (a sparse file's full length); `data_size` the stored bytes.
    A NamedTuple rather than a frozen dataclass: one is made per tar header, and tuples are built several times faster."""

    name: str
    type: bytes
    mode: int
    uid: int
    gid: int
    size: int
    linkname: str
    data_offset: int
    data_size: int

    def isreg(self) -> bool:
        return self.type in _DATA_TYPES

    def isdir(self) -> bool:
        return self.type == DIRECTORY

    def issym(self) -> bool:
        return self.type == SYMLINK

    def islnk(self) -> bool:
        return self.type == HARDLINK


class BlobSource:
    """A tar stored uncompressed in a blob: headers come from a small read-ahead window, file data is skipped by
    arithmetic (never read), so memory stays at one window whatever the layer's size."""

    WINDOW = 32 << 10

    def __init__(self, blob: Blob) -> None:
        self._blob = blob
        self._window = b""
        self._window_at = 0
        self.position = 0

    @property
    def length(self) -> int:
        return self._blob.size

    def read(self, size: int) -> bytes:
        begin = self.position - self._window_at
        if begin < 0 or begin + size > len(self._window):
            self._window_at = self.position
            self._window = self._blob.read(self.position, max(size, self.WINDOW))
            begin = 0
        data = self._window[begin : begin + size]
        self.position += len(data)
        return data

    def skip(self, size: int) -> None:
        if self.position + size > self._blob.size:
            raise TarError(
                f"truncated: {size} bytes of data announced at offset {self.position}, "
                f"{self._blob.size - self.position} left"
            )
        self.position += size


class TooLarge(TarError):
    """A compressed stream expands beyond the limit set for it."""


class GzipSource:
    """A gzip blob decompressed on the fly in bounded pieces; hashes the decompressed bytes (a layer's diff_id) as
    they come. `max_output` caps the decompressed size (TooLarge past it): a few KiB of gzip can claim gigabytes."""

    PIECE = 256 << 10
    """Most decompressed bytes one inflate call returns (zlib keeps the rest of its input for the next call)."""
    INPUT = 64 << 10

    def __init__(self, blob: Blob, max_output: int | None = None) -> None:
        self._blob = blob
        self._read_at = 0  # compressed bytes taken from the blob
        self._input = b""  # compressed bytes taken but not yet given to inflate
        self._inflate = zlib.decompressobj(31)
        self._buffer = b""
        self._buffer_at = 0  # how much of _buffer the reader has consumed
        self._sha = hashlib.sha256()
        self._produced = 0
        self._max_output = max_output
        self.position = 0

    def _piece(self) -> bytes:
        """The next decompressed bytes (at most PIECE), hashed; b"" at the end of the stream."""
        while True:
            if self._inflate.eof:
                rest = self._inflate.unused_data + self._input
                if not rest and self._read_at >= self._blob.size:
                    return b""
                self._inflate = zlib.decompressobj(31)  # a further gzip member (concatenated streams)
                self._input = rest
            if not self._input:
                if self._read_at >= self._blob.size:
                    raise TarError("truncated gzip stream")
                self._input = self._blob.read(self._read_at, self.INPUT)
                self._read_at += len(self._input)
            data = self._inflate.decompress(self._input, self.PIECE)
            self._input = self._inflate.unconsumed_tail
            if data:
                self._produced += len(data)
                if self._max_output is not None and self._produced > self._max_output:
                    raise TooLarge(
                        f"the gzip stream expands past {self._max_output} bytes ({self._blob.size} compressed)"
                    )
                self._sha.update(data)
                return data

    def read(self, size: int) -> bytes:
        available = len(self._buffer) - self._buffer_at
        if available < size:
            parts = [self._buffer[self._buffer_at :]]
            while available < size and (piece := self._piece()):
                parts.append(piece)
                available += len(piece)
            self._buffer, self._buffer_at = b"".join(parts), 0
        data = self._buffer[self._buffer_at : self._buffer_at + size]
        self._buffer_at += len(data)
        self.position += len(data)
        return data

    def skip(self, size: int) -> None:
        taken = min(size, len(self._buffer) - self._buffer_at)
        self._buffer_at += taken
        self.position += taken
        size -= taken
        while size > 0:
            piece = self._piece()
            if not piece:
                raise TarError(f"truncated: {size} bytes of announced data missing at offset {self.position}")
            used = min(size, len(piece))
            self._buffer, self._buffer_at = piece, used
            self.position += used
            size -= used

    def finish(self) -> tuple[str, int]:
        """Read to the end of the stream; the sha256 and length of everything decompressed."""
        while self._piece():
            pass
        return "sha256:" + self._sha.hexdigest(), self._produced


def _octal(field: bytes, what: str, offset: int) -> int:
    if field[0] & 0x80:
        if field[0] == 0xFF:
            raise TarError(f"negative {what} at offset {offset}")
        return int.from_bytes(bytes([field[0] & 0x7F]) + field[1:], "big")
    try:
        return int(field[:-1], 8)  # the usual form: zero-padded digits and one NUL or space
    except ValueError:
        pass
    text = field.split(b"\0", 1)[0].strip()
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise TarError(f"invalid {what} {text[:20]!r} at offset {offset}") from None


def _text(field: bytes) -> str:
    return field.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def _checksum_ok(block: bytes) -> bool:
    """The header checksum: the byte sum with the checksum field counted as spaces. adler32 gives that sum in C,
    modulo 65521; a 512-byte block sums to less than 2 * 65521, so the sum is one of two candidates."""
    stored = block[148:156]
    try:
        expected = int(stored.split(b"\0", 1)[0].strip() or b"x", 8)
    except ValueError:
        return False
    low = (zlib.adler32(block[:148] + b"        " + block[156:]) & 0xFFFF) - 1
    if expected in (low, low + 65521):
        return True
    signed = sum(b - 256 if b > 127 else b for b in block) - sum(b - 256 if b > 127 else b for b in stored) + 256
    return signed == expected


def _pax_records(data: bytes, offset: int) -> dict[str, str]:
    records = {}
    at = 0
    while at < len(data):
        if data[at] == 0:
            break
        space = data.find(b" ", at)
        if space < 0:
            raise TarError(f"malformed pax header at offset {offset}")
        try:
            length = int(data[at:space])
        except ValueError:
            raise TarError(f"malformed pax record length at offset {offset}") from None
        if length <= 0 or at + length > len(data):
            raise TarError(f"malformed pax record at offset {offset}")
        key, _, value = data[space + 1 : at + length - 1].partition(b"=")
        records[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
        at += length
    return records


def _padded(size: int) -> int:
    return (size + BLOCK - 1) // BLOCK * BLOCK


def members(source) -> Iterator[Member]:
    """Every member of the tar in `source` (BlobSource or GzipSource). After a member is yielded the caller may
    `source.read()` up to `data_size` bytes of its data; the walk skips whatever it did not read."""
    long_name: str | None = None
    long_link: str | None = None
    pax: dict[str, str] = {}
    while True:
        offset = source.position
        block = source.read(BLOCK)
        if len(block) < BLOCK:
            if block.strip(b"\0") or long_name or pax:
                raise TarError(f"truncated header at offset {offset}")
            return
        if block[0] == 0 and not block.strip(b"\0"):
            return
        if not _checksum_ok(block):
            raise TarError(f"bad header checksum at offset {offset}")
        kind = block[156:157]
        size = _octal(block[124:136], "size", offset)
        if kind in _META_TYPES:
            if size > MAX_META:
                raise TarError(f"{size}-byte metadata entry at offset {offset}")
            data = source.read(_padded(size))[:size]
            if len(data) < size:
                raise TarError(f"truncated metadata entry at offset {offset}")
            if kind == GNU_LONGNAME:
                long_name = _text(data)
            elif kind == GNU_LONGLINK:
                long_link = _text(data)
            elif kind == PAX:
                pax = _pax_records(data, offset)
            continue
        name = _text(block[0:100])
        if block[257:263] == b"ustar\0" and block[345]:
            name = _text(block[345:500]) + "/" + name
        linkname = _text(block[157:257]) if block[157] else ""
        uid = _octal(block[108:116], "uid", offset)
        gid = _octal(block[116:124], "gid", offset)
        apparent = size
        if kind == GNU_SPARSE:
            apparent = _octal(block[483:495], "sparse size", offset)
            extended = block[482]
            while extended:
                more = source.read(BLOCK)
                if len(more) < BLOCK:
                    raise TarError(f"truncated sparse header at offset {offset}")
                extended = more[504]
        if long_name is not None:
            name = long_name
        if long_link is not None:
            linkname = long_link
        if pax:
            name = pax.get("GNU.sparse.name") or pax.get("path") or name
            linkname = pax.get("linkpath") or linkname
            if "size" in pax:
                size = apparent = _pax_int(pax["size"], offset)
            if "GNU.sparse.realsize" in pax or "GNU.sparse.size" in pax:
                apparent = _pax_int(pax.get("GNU.sparse.realsize") or pax["GNU.sparse.size"], offset)
            uid = _pax_int(pax["uid"], offset) if "uid" in pax else uid
            gid = _pax_int(pax["gid"], offset) if "gid" in pax else gid
        has_data = kind in _DATA_TYPES or kind not in _KNOWN_NO_DATA
        data_size = size if has_data else 0
        start = source.position
        yield Member(
            name,
            REGULAR if kind in _PLAIN_TYPES else kind,
            _octal(block[100:108], "mode", offset) & 0o7777,
            uid,
            gid,
            apparent if has_data else 0,
            linkname,
            start,
            data_size,
        )
        try:
            source.skip(_padded(data_size) - (source.position - start))
        except TooLarge:
            raise
        except TarError:
            raise TarError(f"truncated at {name[:120]!r}: its header claims {data_size} bytes") from None
        long_name = long_link = None
        pax = {}


def _pax_int(value: str, offset: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise TarError(f"invalid pax number {value[:20]!r} at offset {offset}") from None
    if number < 0:
        raise TarError(f"negative pax number at offset {offset}")
    return number
