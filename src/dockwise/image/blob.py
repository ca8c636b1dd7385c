"""Blobs read by offset with bounded buffers, and the worker threads that hash (and, if asked, gzip) them.

Nothing is memory-mapped: a mapped file's pages count in the process's resident set once touched, so hashing a
1 GB layer through a map made `inspect` 1 GB "large". Here every read is an `os.pread` into a small buffer: the
page cache keeps the file, the process keeps ~1 MiB per worker. hashlib and zlib release the GIL on large buffers,
so the workers run on the other cores while the main thread walks tar headers.
"""

from __future__ import annotations

import hashlib
import os
import queue
import re
import threading
import zlib
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, Protocol, cast

from dockwise.core.errors import EXIT_USAGE, DockwiseError

CHUNK = 1 << 20
"""Bytes per read when hashing or compressing: large enough that a syscall costs nothing, small enough to stay in L2."""
GZIP_WINDOW = 32 << 10
"""deflate's window: each compressed chunk is primed with the 32 KiB before it, as pigz does."""
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")


class Reader(Protocol):
    """Random access to bytes: an open file, or bytes already in memory."""

    def read_at(self, offset: int, size: int) -> bytes: ...

    def read_into(self, buffer: memoryview, offset: int) -> int: ...


class FileReader:
    """An open file descriptor, read with `os.pread` (the caller owns and closes the descriptor)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def read_at(self, offset: int, size: int) -> bytes:
        return os.pread(self.fd, size, offset)

    def read_into(self, buffer: memoryview, offset: int) -> int:
        return os.preadv(self.fd, [buffer], offset)


class BytesReader:
    """Bytes in memory behind the same interface (small documents, tests)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def read_at(self, offset: int, size: int) -> bytes:
        return self._data[offset : offset + size]

    def read_into(self, buffer: memoryview, offset: int) -> int:
        piece = self._data[offset : offset + len(buffer)]
        buffer[: len(piece)] = piece
        return len(piece)


class Blob(NamedTuple):
    """Bytes [offset, offset+size) of a reader."""

    reader: Reader
    offset: int
    size: int

    @classmethod
    def of_bytes(cls, data: bytes) -> Blob:
        return cls(BytesReader(data), 0, len(data))

    def read(self, at: int, count: int) -> bytes:
        """Up to `count` bytes from `at` (relative to the blob), never past its end."""
        count = max(0, min(count, self.size - at))
        return self.reader.read_at(self.offset + at, count) if count else b""

    def head(self, count: int) -> bytes:
        return self.read(0, count)

    def chunks(self, start: int = 0, end: int | None = None) -> Iterator[memoryview]:
        """[start, end) of the blob in CHUNK-sized views of one reused buffer (each valid until the next)."""
        end = self.size if end is None else end
        buffer = memoryview(bytearray(min(CHUNK, max(end - start, 1))))
        at = start
        while at < end:
            got = self.reader.read_into(buffer[: min(len(buffer), end - at)], self.offset + at)
            if got <= 0:
                raise DockwiseError(
                    f"blob ended {end - at} bytes early (the file shrank while being read)",
                    "do not change the archive while it is read",
                    exit_code=EXIT_USAGE,
                )
            yield buffer[:got]
            at += got


def sha256_of(blob: Blob) -> str:
    """`sha256:<hex>` of the whole blob, read in bounded chunks (runs in a worker)."""
    digest = hashlib.sha256()
    for piece in blob.chunks():
        digest.update(piece)
    return "sha256:" + digest.hexdigest()


def deflate_chunk(blob: Blob, start: int, end: int) -> Iterator[bytes]:
    """[start, end) of the blob as a piece of a gzip -6 stream compressed in independent chunks (pigz's method):
    raw deflate primed with the 32 KiB before `start`, ended by a sync flush, or by the final block for the
    blob's last chunk. The pieces in order, between a gzip header and trailer (GZIP_FRAME bytes), make a valid
    gzip file of the blob."""
    primer = blob.read(max(0, start - GZIP_WINDOW), min(start, GZIP_WINDOW))
    compressor = (
        zlib.compressobj(6, zlib.DEFLATED, -15, zdict=primer) if primer else zlib.compressobj(6, zlib.DEFLATED, -15)
    )
    for piece in blob.chunks(start, end):
        yield compressor.compress(piece)
    yield compressor.flush(zlib.Z_FINISH if end >= blob.size else zlib.Z_SYNC_FLUSH)


def gzip_chunk_size(blob: Blob, start: int, end: int) -> int:
    """Bytes that [start, end) of the blob takes in the chunked gzip -6 stream (deflate_chunk); runs in a worker."""
    return sum(len(piece) for piece in deflate_chunk(blob, start, end))


GZIP_FRAME = 18
"""gzip's 10-byte header and 8-byte trailer (CRC-32, length) around the deflate data."""


GZIP_CHUNK = 4 * CHUNK
"""Bytes per parallel gzip job: the chunked stream is within ~0.1 % of one-thread gzip -6 (docs/commands/inspect.md)."""


def chunk_bounds(size: int, chunk: int = GZIP_CHUNK) -> list[tuple[int, int]]:
    return [(start, min(start + chunk, size)) for start in range(0, max(size, 1), chunk)]


def gzip_size_jobs(blob: Blob, workers: Workers) -> Callable[[], int]:
    """Start measuring the gzip -6 size of `blob` in parallel chunks; the returned function waits for the total."""
    bounds = chunk_bounds(blob.size)
    pending = [workers.submit(gzip_chunk_size, blob, start, end) for start, end in bounds]
    return lambda: GZIP_FRAME + sum(job.result() for job in pending)


class Pending:
    """The result of a job given to Workers: `result()` waits for it and re-raises what it raised."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._outcome: tuple[bool, object] = (False, None)

    def _finish(self, ok: bool, value: object) -> None:
        self._outcome = (ok, value)
        self._done.set()

    def result(self) -> Any:
        self._done.wait()
        ok, value = self._outcome
        if not ok:
            raise cast(BaseException, value)
        return value


class Cancelled(Exception):
    """A job that never ran because its Workers were closed first."""


class Workers:
    """A few daemon threads running jobs in the order given. Leaving `with` (or `close()`) drops the jobs not yet
    started, waits for those running (so nothing still reads a file its caller is about to close) and lets the
    threads end. (concurrent.futures would do, but its import alone costs more than indexing a small image.)"""

    def __init__(self, count: int | None = None) -> None:
        self._count = count or max(1, min(8, os.cpu_count() or 1))
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self, *, wait: bool = True) -> None:
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job[0]._finish(False, Cancelled())
        for _ in self._threads:
            self._jobs.put(None)
        if wait:
            for thread in self._threads:
                thread.join()

    def submit(self, fn: Callable[..., object], *args: object) -> Pending:
        pending = Pending()
        self._jobs.put((pending, fn, args))
        if len(self._threads) < self._count:
            thread = threading.Thread(target=self._run, daemon=True, name="dockwise-digest")
            thread.start()
            self._threads.append(thread)
        return pending

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            pending, fn, args = job
            try:
                pending._finish(True, fn(*args))
            except BaseException as exc:  # handed to the caller of result()
                pending._finish(False, exc)


def check_digest_syntax(digest: object, what: str) -> str:
    """A digest we will turn into a path must be exactly sha256:<64 hex>; anything else could name other files."""
    if not isinstance(digest, str) or not DIGEST_RE.match(digest):
        raise DockwiseError(
            f"{what}: invalid digest {str(digest)[:80]!r}", "only sha256 digests are supported", exit_code=EXIT_USAGE
        )
    return digest
