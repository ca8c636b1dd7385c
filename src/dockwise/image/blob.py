"""Read-only windows onto a file, and digest verification that runs in a worker thread.

A layer inside a `docker save` tar is a byte range of that tar: a window lets tarfile seek past file data
inside it without copying anything. hashlib and zlib release the GIL, so hashing overlaps header parsing.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zlib
from dataclasses import dataclass

from dockwise.errors import DockwiseError

CHUNK = 1 << 20
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")


class Window(io.RawIOBase):
    """Bytes [offset, offset+size) of an open file descriptor, read with pread (no shared file position)."""

    def __init__(self, fd: int, offset: int, size: int) -> None:
        super().__init__()
        self._fd = fd
        self._offset = offset
        self._size = size
        self._pos = 0

    def clone(self) -> "Window":
        """The same bytes with a position of its own, for a second reader."""
        return Window(self._fd, self._offset, self._size)

    @property
    def size(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def readinto(self, buffer) -> int:
        want = min(len(buffer), self._size - self._pos)
        if want <= 0:
            return 0
        data = os.pread(self._fd, want, self._offset + self._pos)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def read(self, size: int = -1) -> bytes:
        remaining = self._size - self._pos
        want = remaining if size is None or size < 0 else min(size, remaining)
        if want <= 0:
            return b""
        data = os.pread(self._fd, want, self._offset + self._pos)
        self._pos += len(data)
        return data

    def pread(self, size: int, at: int) -> bytes:
        size = min(size, self._size - at)
        return os.pread(self._fd, size, self._offset + at) if size > 0 else b""


@dataclass(frozen=True)
class BlobDigest:
    """What a full read of a blob measured: its sha256, byte count, and gzip -6 size when asked for."""

    sha256: str
    size: int
    gzip_size: int | None


def digest_window(window: Window, *, gzip_size: bool) -> BlobDigest:
    """Hash (and optionally gzip -6, counting bytes only) the whole window; runs in a worker thread."""
    sha = hashlib.sha256()
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31) if gzip_size else None
    compressed = 0
    at = 0
    while True:
        chunk = window.pread(CHUNK, at)
        if not chunk:
            break
        at += len(chunk)
        sha.update(chunk)
        if compressor is not None:
            compressed += len(compressor.compress(chunk))
    if at != window.size:
        raise DockwiseError(f"blob is truncated: read {at} of {window.size} bytes", "re-create the archive", exit_code=2)
    if compressor is not None:
        compressed += len(compressor.flush())
    return BlobDigest("sha256:" + sha.hexdigest(), at, compressed if compressor is not None else None)


class HashingReader(io.RawIOBase):
    """Passes a stream through while hashing it: the diff_id of a compressed layer is the sha256 of its tar."""

    def __init__(self, raw) -> None:
        super().__init__()
        self._raw = raw
        self._sha = hashlib.sha256()
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._sha.update(data)
        self.count += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def drain(self) -> str:
        while self.read(CHUNK):
            pass
        return "sha256:" + self._sha.hexdigest()


def check_digest_syntax(digest: object, what: str) -> str:
    """A digest we will turn into a path must be exactly sha256:<64 hex>; anything else could name other files."""
    if not isinstance(digest, str) or not DIGEST_RE.match(digest):
        raise DockwiseError(f"{what}: invalid digest {str(digest)[:80]!r}", "only sha256 digests are supported", exit_code=2)
    return digest
