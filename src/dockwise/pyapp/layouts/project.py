"""What pyproject.toml (or, without one, setup.py) says about the project itself, and whether it is a distributable
package at all.

An app is often a pyproject project that its build backend cannot build: hatchling finds no package named after
the project ("Unable to determine which files to ship"), setuptools' flat-layout discovery finds several top-level
packages (`templates/`, `static/` count), poetry-core finds no module of the project's name. Such a project is
not built as a wheel: its dependencies are installed and its code is copied.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import Evidence, line_of
from dockwise.pyapp.grammar import is_distribution_name, is_module_path
from dockwise.pyapp.layouts.setup_py import read_setup_py
from dockwise.pyapp.scan import SKIPPED_DIRS, file_kind, is_app_file, read_app_file, walk_files


@dataclass(frozen=True)
class ConsoleScript:
    """A command the installed project puts on PATH: `[project.scripts] init_db = "blog:init_db"`."""

    name: str
    module: str
    function: str
    evidence: Evidence


@dataclass(frozen=True)
class Project:
    """What pyproject.toml (or setup.py, `file`) says about the project itself."""

    name: str | None
    dependencies: tuple[str, ...]  # PEP 508 strings, as written
    dynamic_dependencies: bool
    requires_python: str | None
    classifiers: tuple[str, ...]
    build_backend: str | None  # None: no [build-system], so the project is not built as a wheel
    build_requires: tuple[str, ...]
    packaged: bool  # built and installed as a wheel in the builder stage
    text: str
    data: dict = field(compare=False, repr=False)
    not_packaged_because: str | None = None  # why a project with a build backend is not built as a wheel
    file: str = "pyproject.toml"  # or "setup.py", for a project with no pyproject.toml
    entry_points: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)  # group -> {name: target}
    extras: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)  # optional dependencies
    unread: tuple[str, ...] = ()  # setup.py keywords computed when it runs, so not read (install_requires, ...)
    data_left_out: tuple[str, ...] = ()  # packages whose non-Python files setuptools leaves out of the wheel
    keyword_lines: dict[str, int] = field(default_factory=dict, compare=False)  # setup.py: where each keyword is
    scripts: tuple[ConsoleScript, ...] = ()  # installed with the wheel, so only when `packaged`

    def evidence(self, needle: str) -> Evidence:
        return Evidence(self.file, self.keyword_lines.get(needle) or line_of(self.text, needle), needle)


def read_toml(root: Path, name: str) -> tuple[dict, str]:
    text = read_app_file(root, name)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise DockwiseError(f"{name} is not valid TOML ({exc})", f"fix {name}", exit_code=EXIT_USAGE) from None
    except RecursionError:
        raise DockwiseError(f"{name} nests too deeply", f"fix {name}", exit_code=EXIT_USAGE) from None


def malformed(name: str, key: str, expected: str) -> DockwiseError:
    return DockwiseError(f"{name}: {key} is not {expected}", f"fix {key} in {name}", exit_code=EXIT_USAGE)


def table(data: dict, key: str, name: str, where: str = "") -> dict:
    """`data[key]` as a table ({} when absent); anything else is the file's mistake, said in one line."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise malformed(name, where + key, "a table")
    return value


def strings(data: dict, key: str, name: str, where: str = "") -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise malformed(name, where + key, "a list of strings")
    return tuple(value)


def string(data: dict, key: str, name: str, where: str = "") -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise malformed(name, where + key, "a string")
    return value or None


def poetry_table(project: Project) -> dict:
    """[tool.poetry] ({} when absent)."""
    return table(table(project.data, "tool", "pyproject.toml"), "poetry", "pyproject.toml", "[tool].")


def read_project(root: Path) -> Project | None:
    if file_kind(root, "pyproject.toml") == "missing":
        return setup_py_project(root) if is_app_file(root, "setup.py") else None
    data, text = read_toml(root, "pyproject.toml")
    name = "pyproject.toml"
    project = table(data, "project", name)
    tool = table(data, "tool", name)
    poetry = table(tool, "poetry", name, "[tool].")
    uv = table(tool, "uv", name, "[tool].")
    build = table(data, "build-system", name)
    dependencies = strings(project, "dependencies", name, "[project].")
    project_name = string(project, "name", name, "[project].") or string(poetry, "name", name, "[tool.poetry].")
    if project_name is not None and not is_distribution_name(project_name):
        raise DockwiseError(
            f"pyproject.toml:{line_of(text, 'name')}: the project name {project_name!r} is not a valid "
            "distribution name (letters, digits, . _ -; PEP 508)",
            "fix the name in pyproject.toml",
            exit_code=EXIT_USAGE,
        )
    backend = string(build, "build-backend", name, "[build-system].")
    if backend is not None and not all(is_module_path(part) for part in backend.split(":", 1)):
        raise DockwiseError(
            f"pyproject.toml:{line_of(text, 'build-backend')}: build-backend {backend!r} is not MODULE or "
            "MODULE:OBJECT (PEP 517)",
            "fix [build-system].build-backend",
            exit_code=EXIT_USAGE,
        )
    for dependency in dependencies:
        try:
            Requirement(dependency)
        except InvalidRequirement as exc:
            raise DockwiseError(
                f"pyproject.toml:{line_of(text, dependency)}: {dependency!r} is not a valid requirement ({exc})",
                "fix [project].dependencies",
                exit_code=EXIT_USAGE,
            ) from None
    backend = backend or (None if not build else "setuptools.build_meta:__legacy__")
    # Not a package: uv's `package = false`, Poetry's `package-mode = false`, or nothing to build it with.
    declared = bool(build) and uv.get("package", True) is not False and poetry.get("package-mode", True) is not False
    declared = declared and bool(project or poetry)
    why = _unbuildable(root, backend, project_name, tool) if declared else None
    return Project(
        name=project_name,
        dependencies=dependencies,
        dynamic_dependencies="dependencies" in strings(project, "dynamic", name, "[project]."),
        requires_python=string(project, "requires-python", name, "[project]."),
        classifiers=strings(project, "classifiers", name, "[project].")
        or strings(poetry, "classifiers", name, "[tool.poetry]."),
        build_backend=backend,
        build_requires=strings(build, "requires", name, "[build-system]."),
        packaged=declared and why is None,
        text=text,
        data=data,
        not_packaged_because=why,
        entry_points={
            group: {k: v for k, v in entries.items() if isinstance(v, str)}
            for group, entries in table(project, "entry-points", name, "[project].").items()
            if isinstance(entries, dict)
        },
        extras={
            extra: strings(extras, extra, name, "[project.optional-dependencies].")
            for extras in [table(project, "optional-dependencies", name, "[project].")]
            for extra in extras
        },
        scripts=console_scripts(project, poetry, text),
    )


SETUPTOOLS_LEGACY = "setuptools.build_meta:__legacy__"


def setup_py_project(root: Path) -> Project | None:
    """A project with setup.py and no pyproject.toml, read without running setup.py; None when it is not Python or
    calls no `setup(...)` (then it is not a project dockwise can tell anything about)."""
    text = read_app_file(root, "setup.py", errors="replace")
    read = read_setup_py(text)
    if read is None:
        return None
    where = lambda key: f"setup.py:{read.lines.get(key) or line_of(text, key)}"  # noqa: E731
    if read.name is not None and not is_distribution_name(read.name):
        raise DockwiseError(
            f"{where('name')}: the project name {read.name[:60]!r} is not a valid distribution name (letters, "
            "digits, . _ -; PEP 508)",
            "fix name= in setup.py",
            exit_code=EXIT_USAGE,
        )
    for dependency in read.install_requires:
        try:
            Requirement(dependency)
        except InvalidRequirement as exc:
            raise DockwiseError(
                f"{where('install_requires')}: {dependency[:80]!r} is not a valid requirement "
                f"({str(exc).splitlines()[0]})",
                "fix install_requires in setup.py",
                exit_code=EXIT_USAGE,
            ) from None
    why = None if read.packages_given else _setuptools_unbuildable(root)
    return Project(
        name=read.name,
        dependencies=read.install_requires,
        dynamic_dependencies="install_requires" in read.unread or "**" in read.unread,
        requires_python=read.python_requires,
        classifiers=read.classifiers,
        build_backend=SETUPTOOLS_LEGACY,
        build_requires=("setuptools>=40.8.0",),
        packaged=why is None,
        text=text,
        data={},
        not_packaged_because=why,
        file="setup.py",
        entry_points=read.entry_points,
        extras=read.extras_require,
        unread=read.unread,
        data_left_out=() if read.package_data else _data_left_out(root),
        keyword_lines=read.lines,
        scripts=_scripts(read.entry_points.get("console_scripts", {}), "setup.py", text),
    )


# What setuptools ships of a package by itself: its modules (and their compiled forms, never shipped from a tree).
_CODE_SUFFIXES = (".py", ".pyc", ".pyo")


def _data_left_out(root: Path) -> tuple[str, ...]:
    """The top-level packages (as setuptools' flat-layout discovery, or `find_packages()`, finds them) holding files
    other than Python modules: with no include_package_data or package_data, the wheel leaves those files out, where
    `pip install -e .` (what such a project's README says) has them beside the code."""
    if (root / "src").is_dir():
        return ()
    packages = {d.name for d in _dirs(root) if d.name.isidentifier() and d.name not in _SETUPTOOLS_SKIPPED_PACKAGES}
    found = {
        top
        for path in walk_files(root)
        for top in [path.split("/", 1)[0]]
        if "/" in path and top in packages and not path.endswith(_CODE_SUFFIXES)
    }
    return tuple(sorted(p for p in found if is_app_file(root, f"{p}/__init__.py")))


def console_scripts(project: dict, poetry: dict, text: str) -> tuple[ConsoleScript, ...]:
    """[project.scripts] and [tool.poetry.scripts] entries naming `module:function` (Poetry's table form too). An entry
    whose name or target is not plain is left out: it is only ever suggested as a command, never required."""
    found: list[ConsoleScript] = []
    for where, entries in (("[project].", project), ("[tool.poetry].", poetry)):
        scripts = table(entries, "scripts", "pyproject.toml", where).items()
        targets = {
            name: value.get("reference", value.get("callable")) if isinstance(value, dict) else value
            for name, value in scripts
        }
        found += _scripts(targets, "pyproject.toml", text)
    return tuple(found)


def _scripts(targets: dict, file: str, text: str) -> tuple[ConsoleScript, ...]:
    """The entries `name = module:function` whose name and target are plain (setup.py's `console_scripts` too)."""
    found = []
    for name, target in targets.items():
        module, _, function = target.partition(":") if isinstance(target, str) else ("", "", "")
        function = function.split("[")[0].strip()  # `module:function [extra]`
        if is_distribution_name(name) and is_module_path(module.strip()) and is_module_path(function):
            evidence = Evidence(file, line_of(text, name), f"{name} = {target}")
            found.append(ConsoleScript(name, module.strip(), function, evidence))
    return tuple(found)


def _unbuildable(root: Path, backend: str | None, name: str | None, tool: dict) -> str | None:
    """Why the backend would find nothing to ship (or refuse the layout), for the three backends whose default
    file discovery is known; None when it would build (or dockwise cannot tell: the backend decides)."""
    module = (backend or "").split(":")[0]
    if module == "hatchling.build" and not _configured(tool, "hatch") and name is not None:
        return _hatchling_unbuildable(root, name)
    if module == "poetry.core.masonry.api" and name is not None:
        poetry = tool.get("poetry")
        if not (isinstance(poetry, dict) and (poetry.get("packages") or poetry.get("include"))):
            return _poetry_unbuildable(root, name)
    if module.startswith("setuptools.build_meta") and not is_app_file(root, "setup.py"):
        setuptools = tool.get("setuptools")
        if not (isinstance(setuptools, dict) and ("packages" in setuptools or "py-modules" in setuptools)):
            return _setuptools_unbuildable(root)
    return None


def _configured(tool: dict, key: str) -> bool:
    """[tool.hatch.build] (or its wheel target) names what to ship."""
    build = tool.get(key, {}).get("build") if isinstance(tool.get(key), dict) else None
    return isinstance(build, dict) and bool(build)


def _hatchling_unbuildable(root: Path, name: str) -> str | None:
    # hatchling's default wheel selection: NAME/__init__.py, src/NAME/__init__.py, NAME.py, or */NAME/__init__.py.
    normal = re.sub(r"[^\w\d.]+", "_", name)
    for candidate in {normal, normal.lower()}:
        if any(is_app_file(root, p) for p in (f"{candidate}/__init__.py", f"src/{candidate}/__init__.py")):
            return None
        if is_app_file(root, f"{candidate}.py") or any(
            is_app_file(root, f"{d.name}/{candidate}/__init__.py") for d in _dirs(root)
        ):
            return None
    return f"hatchling finds no {normal}/, src/{normal}/ or {normal}.py to ship"


def _poetry_unbuildable(root: Path, name: str) -> str | None:
    # poetry-core's default: a package or module named after the project, at the root or under src/.
    module = re.sub(r"[-_.]+", "_", name).lower()
    places = (f"{module}/__init__.py", f"{module}.py", f"src/{module}/__init__.py", f"src/{module}.py")
    if any(is_app_file(root, p) for p in places) or (root / module).is_dir() or (root / "src" / module).is_dir():
        return None
    return f"poetry-core finds no {module}/, src/{module}/ or {module}.py to ship"


# setuptools' flat-layout discovery leaves these out (setuptools.discovery's DEFAULT_EXCLUDE lists).
_SETUPTOOLS_SKIPPED_PACKAGES = frozenset(
    [
        "ci",
        "bin",
        "debian",
        "doc",
        "docs",
        "documentation",
        "manpages",
        "news",
        "newsfragments",
        "changelog",
        "test",
        "tests",
        "unit_test",
        "unit_tests",
        "example",
        "examples",
        "scripts",
        "tools",
        "util",
        "utils",
        "python",
        "build",
        "dist",
        "venv",
        "env",
        "requirements",
        "tasks",
        "fabfile",
        "site_scons",
        "benchmark",
        "benchmarks",
        "exercise",
        "exercises",
        "htmlcov",
    ]
)
_SETUPTOOLS_SKIPPED_MODULES = frozenset(
    [
        "setup",
        "conftest",
        "test",
        "tests",
        "example",
        "examples",
        "build",
        "toxfile",
        "noxfile",
        "pavement",
        "dodo",
        "tasks",
        "fabfile",
        "conanfile",
        "manage",
        "benchmark",
        "benchmarks",
        "exercise",
        "exercises",
    ]
)


def _setuptools_unbuildable(root: Path) -> str | None:
    if (root / "src").is_dir():
        return None
    found = sorted(
        {d.name for d in _dirs(root) if d.name.isidentifier() and d.name not in _SETUPTOOLS_SKIPPED_PACKAGES}
        | {
            p.stem
            for p in root.glob("*.py")
            if p.stem.isidentifier() and p.stem not in _SETUPTOOLS_SKIPPED_MODULES and p.is_file()
        }
    )
    if len(found) == 1:
        return None
    if not found:
        return "setuptools finds no package or module to ship"
    return f"setuptools' flat layout finds several top-level packages ({', '.join(found[:4])})"


def _dirs(root: Path) -> list[Path]:
    return [
        d
        for d in root.iterdir()
        if d.is_dir() and not d.is_symlink() and d.name not in SKIPPED_DIRS and not d.name.startswith((".", "_"))
    ]
