"""Writing the generated files as one set: all or none, never over an existing file without --force."""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.scan import file_kind, read_app_file


def existing(root: Path, files: dict[str, str]) -> list[str]:
    return [name for name in files if (root / name).exists()]


def diff(root: Path, files: dict[str, str]) -> str:
    """What writing would change, as unified diffs (a new file diffs against nothing)."""
    chunks: list[str] = []
    for name, text in files.items():
        # Only a regular file inside the folder is shown: a link to /etc/passwd must not print it.
        old = read_app_file(root, name, errors="replace") if file_kind(root, name) == "regular" else ""
        if old == text:
            continue
        chunks += difflib.unified_diff(
            old.splitlines(True),
            text.splitlines(True),
            fromfile=f"a/{name}" if old else "/dev/null",
            tofile=f"b/{name}",
        )
    return "".join(chunks)


def write_set(root: Path, files: dict[str, str], *, force: bool) -> None:
    """Every file is written to a temporary file beside its destination first; only when all are written are they
    renamed into place, and a failed rename puts back the files already replaced. Any failure leaves the
    directory as it was."""
    clashes = existing(root, files)
    if clashes and not force:
        raise DockwiseError(
            f"{', '.join(clashes)} already exist{'s' if len(clashes) == 1 else ''} in {root}",
            "pass --force to overwrite, or --dry-run to see the difference",
            exit_code=EXIT_USAGE,
        )
    directories = [name for name in files if (root / name).is_dir()]
    if directories:
        raise DockwiseError(f"{directories[0]} in {root} is a directory", "move it away first", exit_code=EXIT_USAGE)
    temps: dict[str, str] = {}
    backups: dict[str, str] = {}
    done: list[str] = []
    try:
        for name, text in files.items():
            fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".dockwise-tmp", dir=root)
            temps[name] = temp
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(temp, 0o644)
            if (root / name).exists():
                backup = temp + ".old"
                os.link(root / name, backup)
                backups[name] = backup
        for name, temp in temps.items():
            os.replace(temp, root / name)
            done.append(name)
    except OSError as exc:
        for name in done:
            if name in backups:
                os.replace(backups.pop(name), root / name)
            else:
                (root / name).unlink(missing_ok=True)
        raise DockwiseError(
            f"cannot write into {root} ({exc.strerror or exc})",
            "check the directory's permissions",
            exit_code=EXIT_USAGE,
        ) from None
    finally:
        for path in list(temps.values()) + list(backups.values()):
            Path(path).unlink(missing_ok=True)
