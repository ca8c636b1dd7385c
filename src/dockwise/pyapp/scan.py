"""The app's files as dockwise sees them: what is skipped, and each Python module parsed once."""

from __future__ import annotations

import ast
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from dockwise.core.errors import EXIT_USAGE, DockwiseError

if TYPE_CHECKING:
    from dockwise.pyapp.newer_syntax import NewerSyntax

# Never the app's own code: virtual environments, installed packages, VCS and tool caches, build output.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "env",
        ".env",
        "site-packages",
        "dist-packages",
        "node_modules",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "build",
        "dist",
        ".eggs",
        ".idea",
        ".vscode",
        "htmlcov",
    }
)
# Code that is not served: tests, docs, examples of use. Their apps (a test's `Flask(__name__)`) are no candidates.
NOT_SERVED_DIRS = frozenset({"tests", "test", "testing", "docs", "doc", "examples", "scripts", "benchmarks"})
NOT_SERVED_FILES = frozenset({"setup.py", "conftest.py", "noxfile.py", "fabfile.py", "tasks.py"})
SRC_DIR = "src"
MAX_FILES = 5000
MAX_BYTES = 4 * 1024 * 1024
"""The largest file init reads (a settings module, a lockfile); a symlink to /dev/zero or a generated blob stops here."""
# Files init reads by name: one of them that is not a regular file inside the folder is refused, never skipped.
READ_BY_NAME = frozenset(
    {
        "pyproject.toml",
        "Procfile",
        "manage.py",
        "Pipfile",
        "Pipfile.lock",
        "poetry.lock",
        "uv.lock",
        ".python-version",
        "runtime.txt",
    }
)


@dataclass(frozen=True)
class Module:
    """A parsed Python file: `path` relative to the app root, `name` its dotted import name from the root."""

    path: str
    name: str
    tree: ast.Module
    text: str
    newer: NewerSyntax | None = None  # the construct that needs a Python newer than the host's, if any


@dataclass(frozen=True)
class Unparsed:
    """A Python file no Python dockwise builds reads (a real syntax error, or syntax newer than 3.13): skipped with a
    note, unless the served app imports it."""

    path: str
    line: int
    message: str

    def error(self) -> DockwiseError:
        return DockwiseError(
            f"{self.path}:{self.line}: {self.message}",
            "fix the syntax error; dockwise reads the app's code without running it",
            exit_code=EXIT_USAGE,
        )

    def note(self) -> str:
        return f"{self.path}:{self.line}: {self.message}; skipped (the served app does not import it)"


def file_kind(root: Path, relative: str) -> str:
    """missing | regular | outside (a link leaving the folder) | special (FIFO, device, socket, directory): decided
    from metadata only, so nothing is ever opened that could block or stream forever."""
    path = root / relative
    try:
        target = path.resolve(strict=True)
        mode = os.stat(target).st_mode
    except (OSError, RuntimeError, ValueError):  # missing, a dangling or looping link, a NUL in the name
        return "missing"
    if not target.is_relative_to(root.resolve()):
        return "outside"
    return "regular" if stat.S_ISREG(mode) else "special"


def is_app_file(root: Path, relative: str) -> bool:
    return file_kind(root, relative) == "regular"


def _not_readable(relative: str, kind: str) -> DockwiseError:
    if kind == "outside":
        return DockwiseError(
            f"{relative} is a link to a file outside the app folder",
            "copy the file into the app folder (the build sees only the folder)",
            exit_code=EXIT_USAGE,
        )
    if kind == "missing":
        return DockwiseError(
            f"{relative} does not exist", "create it or remove what refers to it", exit_code=EXIT_USAGE
        )
    return DockwiseError(
        f"{relative} is not a regular file (a FIFO, device, socket or directory)",
        "replace it with a regular file",
        exit_code=EXIT_USAGE,
    )


def read_app_file(root: Path, relative: str, *, errors: str = "strict") -> str:
    """The text of a regular file inside the app folder, at most MAX_BYTES; anything else is refused with one line
    that names the file as the app names it (never what a link points to)."""
    kind = file_kind(root, relative)
    if kind != "regular":
        raise _not_readable(relative, kind)
    try:
        fd = os.open((root / relative).resolve(), os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        raise DockwiseError(
            f"cannot read {relative} ({exc.strerror})", "check its permissions", exit_code=EXIT_USAGE
        ) from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the check and the open
            raise _not_readable(relative, "special")
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise DockwiseError(
            f"{relative} is larger than {MAX_BYTES >> 20} MiB",
            "dockwise reads the app's own source and dependency files; move large data out of the folder",
            exit_code=EXIT_USAGE,
        )
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError:
        raise DockwiseError(f"{relative} is not UTF-8 text", "save it as UTF-8", exit_code=EXIT_USAGE) from None


def walk_files(root: Path) -> list[str]:
    """Every regular file under `root` (relative POSIX paths, sorted), skipping SKIPPED_DIRS and *.egg-info, and
    entries that are not regular files inside the folder (FIFOs, devices, sockets, links leaving it); such an entry
    with a name init reads (a module, a dependency file) is refused instead."""
    found: list[str] = []
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIPPED_DIRS and not d.endswith(".egg-info") and not os.path.islink(os.path.join(current, d))
        )
        rel = Path(current).relative_to(root)
        for name in sorted(files):
            relative = (rel / name).as_posix() if rel.parts else name
            kind = file_kind(root, relative)
            if kind != "regular":
                if name.endswith(".py") or relative in READ_BY_NAME or name.startswith("requirements"):
                    raise _not_readable(relative, kind)
                continue
            found.append(relative)
            if len(found) > MAX_FILES:
                raise DockwiseError(
                    f"{root} holds more than {MAX_FILES} files outside virtualenvs and caches",
                    "point dockwise init at the app's own directory",
                    exit_code=EXIT_USAGE,
                )
    return found


def is_served(path: str) -> bool:
    parts = PurePosixPath(path).parts
    name = parts[-1]
    if any(part in NOT_SERVED_DIRS for part in parts[:-1]) or name in NOT_SERVED_FILES:
        return False
    return not (name.startswith("test_") or name.endswith("_test.py"))


def module_name(path: str) -> str:
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_module(root: Path, path: str) -> Module | Unparsed:
    """Parse one file with the host's `ast`; code it refuses goes to `newer_syntax`, which reads what a newer Python
    accepts and tells a real syntax error by its line."""
    text = read_app_file(root, path)
    if "\0" in text:  # the host says so without a line (or with a ValueError before 3.11.4)
        return Unparsed(path, text[: text.index("\0")].count("\n") + 1, "a NUL byte: not Python source")
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        # Imported here: LibCST's import takes seconds, paid only by apps written for a newer Python.
        from dockwise.pyapp.newer_syntax import rewrite

        try:
            found = rewrite(text, path, exc)
        except (RecursionError, MemoryError):
            raise _too_deep(path) from None
        if not isinstance(found, tuple):
            return Unparsed(path, found.line, found.message)
        return Module(path=path, name=module_name(path), tree=found[0], text=text, newer=found[1])
    except (RecursionError, MemoryError):
        raise _too_deep(path) from None
    return Module(path=path, name=module_name(path), tree=tree, text=text)


def _too_deep(path: str) -> DockwiseError:
    return DockwiseError(
        f"{path} nests too deeply to parse", "split the deeply nested expression", exit_code=EXIT_USAGE
    )


def parse_module(root: Path, path: str) -> Module:
    """Parse one file the app needs; a syntax error is the user's to fix, reported with its line."""
    found = read_module(root, path)
    if isinstance(found, Unparsed):
        raise found.error()
    return found


def import_path(path: str, files: frozenset[str]) -> str:
    """The path a module is imported by: in a src layout (`src/blog/__init__.py` with no `src/__init__.py`) the
    package is installed, so `src/` is no part of its name (`blog`, not `src.blog`)."""
    parts = PurePosixPath(path).parts
    if (
        len(parts) > 2
        and parts[0] == SRC_DIR
        and f"{SRC_DIR}/{parts[1]}/__init__.py" in files
        and f"{SRC_DIR}/__init__.py" not in files
    ):
        return PurePosixPath(*parts[1:]).as_posix()
    return path


def served_modules(root: Path, files: list[str]) -> tuple[list[Module], list[Unparsed]]:
    """The parsed Python modules that could be served (not tests, docs, setup scripts), named as they are imported,
    and those no Python dockwise builds reads."""
    present = frozenset(files)
    modules: list[Module] = []
    unparsed: list[Unparsed] = []
    for path in files:
        if path.endswith(".py") and is_served(path):
            found = read_module(root, path)
            if isinstance(found, Unparsed):
                unparsed.append(found)
            else:
                modules.append(replace(found, name=module_name(import_path(path, present))))
    return modules, unparsed
