"""Stage 1: the app folder read — its files, the modules dockwise parses, its project (pyproject.toml or setup.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.layouts.project import Project, read_project
from dockwise.pyapp.scan import (
    Module,
    Unparsed,
    served_modules,
    walk_files,
)


def _check_dir(root: Path) -> list[str]:
    if not root.is_dir():
        raise DockwiseError(f"{root} is not a directory", "pass the app's directory", exit_code=EXIT_USAGE)
    files = walk_files(root)
    if not files:
        raise DockwiseError(f"{root} is empty", "pass the directory that holds the app's code", exit_code=EXIT_USAGE)
    return files


def project_named(project: Project) -> bool:
    """The project names the image: pyproject.toml's always, setup.py's when the image installs it."""
    return project.file == "pyproject.toml" or project.packaged


@dataclass(frozen=True)
class Source:
    """What the app folder holds: its files, the modules dockwise reads (and those it could not), pyproject.toml's
    or setup.py's project."""

    root: Path
    files: list[str]
    modules: list[Module]
    unparsed: list[Unparsed]
    project: Project | None


def read_source(root: Path) -> Source:
    root = root.resolve()
    files = _check_dir(root)
    modules, unparsed = served_modules(root, files)
    return Source(root, files, modules, unparsed, read_project(root))
