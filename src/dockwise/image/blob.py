"""Blobs as read-only memory maps, and digest verification that runs in a worker thread.

A layer inside a `docker save` tar is a byte range of that tar's map: header walking slices it, skipping file data
is arithmetic, and hashlib/zlib (which release the GIL) hash the same pages in another thread without a copy.
"""

from __future__ import annotations

import hashlib
import mmap
import re
import threading
import zlib
from typing import Any, NamedTuple, cast

from dockwise.core.errors import DockwiseError

CHUNK = 4 << 20
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")


def map_file(fd: int, size: int):
    """A read-only map of the whole file (an empty file maps to b"", which mmap refuses)."""
    return mmap.mmap(fd, size, prot=mmap.PROT_READ) if size else b""


class Blob(NamedTuple):
    """Bytes [offset, offset+size) of a mapped file."""

    buffer: Any  # an mmap, or bytes in tests
    offset: int
    size: int

    def view(self) -> memoryview:
        return memoryview(self.buffer)[self.offset:self.offset + self.size]

    def head(self, count: int) -> bytes:
        return bytes(self.view()[:count])


class BlobDigest(NamedTuple):
    """What a full read of a blob measured: its sha256, and its gzip -6 size when asked for."""

    sha256: str
    gzip_size: int | None


def digest_blob(blob: Blob, *, gzip_size: bool) -> BlobDigest:
    """sha256 of the blob (one call over the map), and the byte count of gzip -6 of it if asked; runs in a thread."""
    view = blob.view()
    sha = "sha256:" + hashlib.sha256(view).hexdigest()
    if not gzip_size:
        return BlobDigest(sha, None)
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    compressed = sum(len(compressor.compress(view[at:at + CHUNK])) for at in range(0, len(view), CHUNK))
    return BlobDigest(sha, compressed + len(compressor.flush()))


class Pending:
    """`fn(*args)` running in a daemon thread; `result()` waits for it and re-raises what it raised.

    (concurrent.futures would do, but its import alone costs more than indexing a small image.)"""

    def __init__(self, fn, *args, **kwargs) -> None:
        self._outcome: tuple[bool, object] = (False, None)
        self._thread = threading.Thread(target=self._run, args=(fn, args, kwargs), daemon=True, name="dockwise-digest")
        self._thread.start()

    def _run(self, fn, args, kwargs) -> None:
        try:
            self._outcome = (True, fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller of result()
            self._outcome = (False, exc)

    def result(self):
        self._thread.join()
        ok, value = self._outcome
        if not ok:
            raise cast(BaseException, value)
        return value


def check_digest_syntax(digest: object, what: str) -> str:
    """A digest we will turn into a path must be exactly sha256:<64 hex>; anything else could name other files."""
    if not isinstance(digest, str) or not DIGEST_RE.match(digest):
        raise DockwiseError(f"{what}: invalid digest {str(digest)[:80]!r}", "only sha256 digests are supported", exit_code=2)
    return digest
