"""The app's files as dockwise sees them: what is skipped, and each Python module parsed once."""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dockwise.core.errors import EXIT_USAGE, DockwiseError

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
MAX_FILES = 5000


@dataclass(frozen=True)
class Module:
    """A parsed Python file: `path` relative to the app root, `name` its dotted import name from the root."""

    path: str
    name: str
    tree: ast.Module
    text: str


def walk_files(root: Path) -> list[str]:
    """Every file under `root` (relative POSIX paths, sorted), skipping SKIPPED_DIRS and *.egg-info."""
    found: list[str] = []
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIPPED_DIRS and not d.endswith(".egg-info") and not os.path.islink(os.path.join(current, d))
        )
        rel = Path(current).relative_to(root)
        for name in sorted(files):
            found.append((rel / name).as_posix() if rel.parts else name)
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


def parse_module(root: Path, path: str) -> Module:
    """Parse one file; a syntax error is the user's to fix, reported with its line."""
    try:
        text = (root / path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DockwiseError(f"{path} is not UTF-8 text", "save it as UTF-8 (PEP 3120)", exit_code=EXIT_USAGE) from None
    except OSError as exc:
        raise DockwiseError(
            f"cannot read {path} ({exc.strerror})", "check its permissions", exit_code=EXIT_USAGE
        ) from None
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise DockwiseError(
            f"{path}:{exc.lineno}: {exc.msg}",
            "fix the syntax error; dockwise reads the app's code without running it",
            exit_code=EXIT_USAGE,
        ) from None
    return Module(path=path, name=module_name(path), tree=tree, text=text)


def served_modules(root: Path, files: list[str]) -> list[Module]:
    """The parsed Python modules that could be served (not tests, docs, setup scripts)."""
    return [parse_module(root, f) for f in files if f.endswith(".py") and is_served(f)]
