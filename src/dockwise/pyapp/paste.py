"""PasteDeploy apps: an `.ini` whose `[app:main]` names the app factory (`use = egg:NAME` through the project's
`paste.app_factory` entry point, or `use = call:MODULE:FUNCTION`), as Pyramid's cookiecutters lay an app out
(`main(global_config, **settings)`).

gunicorn serves it with `--paste FILE.ini`: PasteDeploy loads the app from the file, so its settings (and its
logging sections) are the ones the app runs with, and no code is generated; the file's `[server:main]` is not
used (gunicorn binds 0.0.0.0 on the image's port). A setting the image cannot honour is refused: an `egg:` the
image does not install (a project with no pyproject.toml `[project]`), a `pyramid.includes` module no dependency
provides (a development add-on such as pyramid_debugtoolbar).

Good (served as `hello:main`, by `gunicorn --paste production.ini`)::

    [app:main]
    use = egg:hello

Bad (refused: pyramid.includes names pyramid_debugtoolbar, which the app's dependencies do not install)::

    [app:main]
    use = egg:hello
    pyramid.includes = pyramid_debugtoolbar
"""

from __future__ import annotations

import ast
import configparser
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.utils import canonicalize_name

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import Evidence, line_of
from dockwise.pyapp.grammar import is_app_path, is_attribute, is_module_path, one_line
from dockwise.pyapp.layouts import Dependencies
from dockwise.pyapp.layouts.project import Project
from dockwise.pyapp.pyast import literal
from dockwise.pyapp.scan import Module, read_app_file

APP_SECTION = "app:main"
ENTRY_GROUP = "paste.app_factory"
PREFERRED = "production.ini"


@dataclass(frozen=True)
class PasteApp:
    """The factory an .ini names, and the .ini (relative to the app root) the server loads it from."""

    config: str
    module: str
    function: str
    evidence: Evidence


def _refuse(cause: str, fix: str) -> DockwiseError:
    return DockwiseError(one_line(cause), fix, exit_code=EXIT_USAGE)


def _app_section(root: Path, name: str) -> tuple[configparser.SectionProxy, str] | None:
    text = read_app_file(root, name, errors="replace")
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=name)
    except configparser.Error:
        return None  # not an ini PasteDeploy could read either
    return (parser[APP_SECTION], text) if parser.has_section(APP_SECTION) else None


def _setup_py_entry_points(modules_text: str) -> dict[str, str]:
    """`entry_points={"paste.app_factory": ["main = pkg:main"]}` in setup.py's `setup(...)` call."""
    try:
        tree = ast.parse(modules_text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                value = literal(keyword.value) if keyword.arg == "entry_points" else None
                if isinstance(value, dict):
                    return _entry_lines(value.get(ENTRY_GROUP))
    return {}


def _entry_lines(value: object) -> dict[str, str]:
    lines = value.splitlines() if isinstance(value, str) else value if isinstance(value, list) else []
    pairs = (line.split("=", 1) for line in lines if isinstance(line, str) and "=" in line)
    return {name.strip(): target.strip() for name, target in pairs}


def _egg_target(root: Path, files: list[str], project: Project | None, egg: str, where: str) -> str:
    name, _, entry = egg.partition("#")
    entry = entry or "main"
    if project is not None and project.name and canonicalize_name(project.name) == canonicalize_name(name):
        points = project.data.get("project", {}).get("entry-points", {}).get(ENTRY_GROUP, {})
        target = points.get(entry) if isinstance(points, dict) else None
        if isinstance(target, str) and project.packaged:
            return target
    if "setup.py" in files and (target := _setup_py_entry_points(read_app_file(root, "setup.py")).get(entry)):
        raise _refuse(
            f"{where}: use = egg:{egg} needs the app installed as a distribution (setup.py names {target} as its "
            f"{ENTRY_GROUP} entry point), and dockwise installs a project from pyproject.toml only",
            f'describe the project in pyproject.toml ([project] with [project.entry-points."{ENTRY_GROUP}"] and a '
            "[build-system]), or write `use = call:MODULE:FUNCTION` in the .ini",
        )
    raise _refuse(
        f"{where}: use = egg:{egg} names no {ENTRY_GROUP} entry point '{entry}' of this project",
        f'declare it in pyproject.toml ([project.entry-points."{ENTRY_GROUP}"]), or write `use = call:MODULE:FUNCTION`',
    )


def _includes_installed(section: configparser.SectionProxy, where: str, deps: Dependencies, modules) -> None:
    own = {m.name.split(".")[0] for m in modules}
    for include in section.get("pyramid.includes", "").split():
        top = include.split(".")[0].split(":")[0]
        if top not in own and canonicalize_name(top) not in deps.names:
            raise _refuse(
                f"{where}: pyramid.includes names {top}, which the app's dependencies do not install",
                "add it to the dependencies, or serve an .ini without it (a production.ini, as Pyramid's "
                "cookiecutters have)",
            )


def paste_apps(root: Path, files: list[str], project: Project | None, deps: Dependencies, modules: list[Module]):
    """The PasteDeploy app of each top-level .ini with an `[app:main]` (production.ini alone when there is one)."""
    inis = [f for f in files if "/" not in f and f.endswith(".ini")]
    found: list[PasteApp] = []
    for name in [PREFERRED] if PREFERRED in inis else inis:
        read = _app_section(root, name)
        if read is None:
            continue
        section, text = read
        use = section.get("use", "").strip()
        where = f"{name}:{line_of(text, 'use')}"
        scheme, _, rest = use.partition(":")
        if scheme == "egg":
            target = _egg_target(root, files, project, rest, where)
        elif scheme == "call":
            target = rest
        else:
            raise _refuse(
                f"{where}: [app:main] use = {use} is not an app factory dockwise can serve (egg: or call:)",
                "name the app factory with `use = egg:PROJECT` or `use = call:MODULE:FUNCTION`, or pass --app",
            )
        module, _, function = target.partition(":")
        if not (is_app_path(name) and is_module_path(module) and is_attribute(function)):
            raise _refuse(
                f"{where}: {name} names the app factory {target!r}, not MODULE:FUNCTION in Python identifiers",
                "name it as MODULE:FUNCTION (and the .ini with letters, digits and . _ -)",
            )
        if deps.kind != "none":
            _includes_installed(section, where, deps, modules)
        found.append(PasteApp(str(PurePosixPath(name)), module, function, Evidence(name, line_of(text, "use"), use)))
    return found
