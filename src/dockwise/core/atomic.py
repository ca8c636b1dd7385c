"""Files that appear whole or not at all: written beside their destination, then renamed over it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

from dockwise.core.errors import DockwiseError


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "w", *, permissions: int = 0o644) -> Iterator[IO]:
    """Yield a handle on a temporary file beside `path`; a clean exit renames it to `path`, any error deletes it."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_file writes whole files; mode {mode!r} is not 'w' or 'wb'")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.resolve().parent)
    except OSError as exc:
        raise DockwiseError(f"cannot write {path} ({exc.strerror})", "choose an existing, writable directory",
                            exit_code=2) from None
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as handle:
            yield handle
        os.chmod(temp, permissions)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    with atomic_file(path) as handle:
        handle.write(text)
