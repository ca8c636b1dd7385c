"""Dependency-layout providers: one module per way an app declares what it depends on.

Each provider module has a `LAYOUT` (its name, the files that mark it, whether it is a lockfile) and a
`detect(context)` that returns the typed `Dependencies` it contributes (what to install, how, with evidence) or
None when the app does not use that layout. `detect_dependencies` asks them in `_MODULES`' order (lockfiles
first, then requirements files, then pyproject.toml, the imports last) and render.py installs what the winner
says. Two lockfiles are a conflict dockwise does not guess about; `--deps FILE` chooses explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import import_module
from pathlib import Path, PurePosixPath
from typing import Literal

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.grammar import is_app_path
from dockwise.pyapp.layouts.project import Project
from dockwise.pyapp.scan import Module, is_app_file
from dockwise.pyapp.wheels import Pin

Install = Literal["requirements", "pyproject", "pipfile-lock", "export", "listed", "pdm-lock", "nothing"]
"""How the builder installs the set: pip -r the app's files; pyproject.toml's [project].dependencies read in the
build; Pipfile.lock converted in the build; a lock exported by its own tool in a lock stage; requirement lines
dockwise wrote (validated) into the Dockerfile; pdm.lock's packages selected in the build; nothing."""


@dataclass(frozen=True)
class Dependencies:
    """How the image installs the app's dependencies.

    kind: the layout (a provider's name)
    files: the app files the install reads (bind-mounted into the build, never copied)
    names: canonical names of what gets installed (the whole set when it is locked, the direct ones otherwise)
    hashed: installed with --require-hashes
    pinned: every requirement pinned to one version
    """

    kind: str
    files: tuple[str, ...]
    names: frozenset[str]
    hashed: bool
    pinned: bool
    evidence: Evidence
    notes: tuple[str, ...] = ()
    local_lines: tuple[Evidence, ...] = ()  # `-e .` and friends: the project itself, built as a wheel instead
    requirement_roots: tuple[str, ...] = ()  # install=requirements: the files given to pip -r
    install: Install = "requirements"
    listed: tuple[str, ...] = ()  # install=listed: PEP 508 lines (validated, normalised); pdm-lock: locked names
    warnings: tuple[str, ...] = ()
    todo: tuple[str, ...] = ()
    tool: str | None = None  # install=export: the tool whose lock stage exports the set
    pins: tuple[Pin, ...] = ()  # what is installed at one exact version (the wheel check reads these)
    added: tuple[str, ...] = ()  # PEP 508 lines (validated) installed beside the set: an extra the served config needs


def with_added(deps: Dependencies, lines: tuple[str, ...]) -> Dependencies:
    """`deps` and the requirement lines `lines` (already normalised by `grammar.requirement_line`), installed in the
    same pip run."""
    requirements = [Requirement(line) for line in lines]
    return replace(
        deps,
        added=deps.added + tuple(line for line in lines if line not in deps.added),
        names=deps.names | {canonicalize_name(r.name) for r in requirements},
        pinned=deps.pinned and all(_exact(r) for r in requirements),
    )


def listed_dependencies(
    kind: str, lines: tuple[str, ...], evidence: Evidence, files: tuple[str, ...], *, warning: str | None, todo: str
) -> Dependencies:
    """A set dockwise writes into the Dockerfile as requirement lines (already normalised by
    `grammar.requirement_line`), with what the user should do to pin it; `files` say where they were read (the
    build mounts none of them)."""
    requirements = [Requirement(line) for line in lines]
    return Dependencies(
        kind,
        files,
        frozenset(canonicalize_name(r.name) for r in requirements),
        hashed=False,
        pinned=bool(requirements) and all(_exact(r) for r in requirements),
        evidence=replace(evidence, excerpt=f"{evidence.excerpt}: {len(lines)} requirements".lstrip(": ")),
        install="listed" if lines else "nothing",
        listed=lines,
        warnings=(warning,) if warning else (),
        todo=(todo,),
    )


def _exact(requirement: Requirement) -> bool:
    return any(s.operator in ("==", "===") and "*" not in s.version for s in requirement.specifier)


@dataclass(frozen=True)
class LayoutContext:
    """What a provider may look at: the app's files, its pyproject project, the target Python and its parsed
    served modules (for inferring dependencies from imports)."""

    root: Path
    files: tuple[str, ...]
    project: Project | None
    python: str
    modules: tuple[Module, ...] = field(default=(), compare=False, repr=False)

    def has(self, name: str) -> bool:
        return name in self.files


@dataclass(frozen=True)
class Layout:
    name: str
    marker_files: tuple[str, ...]  # files whose presence says the app may use this layout
    lockfile: bool = False


_MODULES = (
    "uv",
    "poetry_lock",
    "poetry_stale",
    "pdm",
    "pipenv_lock",
    "requirements_file",
    "requirements_dir",
    "pipfile",
    "poetry",
    "pep621",
    "install_requires",
    "imports",
)


@dataclass(frozen=True)
class Provider:
    layout: Layout
    detect: Callable[[LayoutContext], Dependencies | None]


@cache
def registry() -> tuple[Provider, ...]:
    """Every layout provider, in precedence order."""
    modules = [import_module(f"{__name__}.{name}") for name in _MODULES]
    return tuple(Provider(m.LAYOUT, m.detect) for m in modules)


def lockfiles() -> tuple[str, ...]:
    """The lockfiles the providers read, in precedence order."""
    return tuple(dict.fromkeys(f for p in registry() if p.layout.lockfile for f in p.layout.marker_files))


def detect_dependencies(context: LayoutContext, chosen: list[str]) -> Dependencies:
    """How the image installs the app's dependencies; every file it names is a safe path inside the app, since
    each becomes a mount source and a word of the install command."""
    found = _chosen(context, chosen) if chosen else _detect(context)
    for path in found.files + found.requirement_roots:
        if not is_app_path(path):
            raise DockwiseError(
                f"the dependency file name {path!r} cannot be used in a Dockerfile safely (a space, quote, $, comma, "
                "= or leading dash)",
                "rename it to letters, digits and . _ - (and the -r lines that name it)",
                exit_code=EXIT_USAGE,
            )
    return found


def _detect(context: LayoutContext) -> Dependencies:
    locks = [name for name in lockfiles() if context.has(name)]
    if len(locks) > 1:
        raise DockwiseError(
            f"conflicting lockfiles: {' and '.join(locks)}",
            f"remove the stale one, or pass --deps {locks[0]}",
            exit_code=EXIT_USAGE,
        )
    for provider in registry():
        found = provider.detect(context)
        if found is not None:
            return _with_ignored(context, found, provider.layout)
    raise AssertionError("the imports provider always answers")  # pragma: no cover


def _with_ignored(context: LayoutContext, found: Dependencies, layout: Layout) -> Dependencies:
    """Say which other dependency declaration lost, and why."""
    ignored = []
    if layout.lockfile and context.has("requirements.txt"):
        ignored.append("requirements.txt")
    project = context.project
    file = project.file if project is not None else "pyproject.toml"
    declared = project is not None and project.dependencies and file not in found.files
    if declared and not layout.lockfile and not found.local_lines:  # a lock was made from them
        ignored.append("setup.py's install_requires" if file == "setup.py" else "pyproject.toml's dependencies")
    if not ignored:
        return found
    rule = "lockfile first" if layout.lockfile else f"requirements files before {file}"
    note = f"{found.evidence.file} wins over {' and '.join(ignored)} ({rule}; --deps to choose)"
    return replace(found, notes=found.notes + (note,))


def _chosen(context: LayoutContext, chosen: list[str]) -> Dependencies:
    from dockwise.pyapp.layouts.requirements_file import from_requirements  # a provider: it imports this module

    for path in chosen:
        if not is_app_file(context.root, path):
            raise DockwiseError(
                f"--deps {path}: no such file in the app",
                "name a file relative to the app directory",
                exit_code=EXIT_USAGE,
            )
    whole = lockfiles() + ("pyproject.toml", "setup.py", "Pipfile")
    names = [PurePosixPath(p).name for p in chosen]
    if len(chosen) == 1 and names[0] in whole:
        if chosen[0] != names[0]:
            raise DockwiseError(
                f"--deps {chosen[0]}: lockfiles and pyproject.toml are read at the app's root",
                "run dockwise init on the directory that holds them",
                exit_code=EXIT_USAGE,
            )
        for provider in registry():
            if names[0] in provider.layout.marker_files and (found := provider.detect(context)) is not None:
                return found
        raise DockwiseError(
            f"--deps {names[0]}: it declares no dependencies dockwise can install",
            "pass the app's dependency file",
            exit_code=EXIT_USAGE,
        )
    if any(name in whole for name in names):
        raise DockwiseError(
            "--deps mixes a lockfile or pyproject.toml with other files",
            "pass one lockfile, or requirements files only",
            exit_code=EXIT_USAGE,
        )
    return from_requirements(context.root, chosen, chosen=True)
