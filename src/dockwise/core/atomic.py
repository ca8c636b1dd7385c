"""Files that appear whole or not at all: written beside their destination, then renamed over it.

A destination that is a symlink is followed (its target is written, the link stays); one that exists and is not a
regular file (`/dev/null`, a FIFO, a terminal) is written in place, since renaming over it would replace a device.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from dockwise.core.errors import EXIT_USAGE, DockwiseError


def _target(path: Path) -> Path:
    return Path(os.path.realpath(path)) if path.is_symlink() else path


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "w", *, permissions: int = 0o644) -> Iterator[IO[Any]]:
    """Yield a handle on a temporary file beside `path`; a clean exit renames it to `path`, any error deletes it."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_file writes whole files; mode {mode!r} is not 'w' or 'wb'")
    encoding = None if "b" in mode else "utf-8"
    target = _target(path)
    try:
        special = target.exists() and not stat.S_ISREG(target.stat().st_mode)
    except OSError as exc:
        raise DockwiseError(
            f"cannot write {path} ({exc.strerror})", "choose a writable destination", exit_code=EXIT_USAGE
        ) from None
    if special:
        try:
            with open(target, mode, encoding=encoding) as handle:
                yield handle
        except OSError as exc:
            raise DockwiseError(
                f"cannot write {path} ({exc.strerror})", "choose a writable destination", exit_code=EXIT_USAGE
            ) from None
        return
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise DockwiseError(
            f"cannot write {path} ({exc.strerror})", "choose an existing, writable directory", exit_code=EXIT_USAGE
        ) from None
    try:
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
        os.chmod(temp, permissions)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write `text` as UTF-8; names that are not UTF-8 (surrogate escapes) are written back as their bytes."""
    with atomic_file(path, "wb") as handle:
        handle.write(text.encode("utf-8", errors="surrogateescape"))
