"""PasteDeploy apps: an `.ini` whose `[app:main]` names the app factory (`use = egg:NAME` through the project's
`paste.app_factory` entry point, or `use = call:MODULE:FUNCTION`), as Pyramid's cookiecutters lay an app out
(`main(global_config, **settings)`).

gunicorn serves it with `--paste FILE.ini`: PasteDeploy loads the app from the file, so its settings (and its
logging sections) are the ones the app runs with, and no code is generated; the file's `[server:main]` is not
used (gunicorn binds 0.0.0.0 on the image's port). `egg:NAME` is the project itself (pyproject.toml's
`[project.entry-points."paste.app_factory"]`, or setup.py's `entry_points`), installed as a wheel. A setting the
image cannot honour is refused: an `egg:` the image does not install, a `pyramid.includes` module no dependency
provides (a development add-on such as pyramid_debugtoolbar). When an extra of the project provides the module
(`extras_require={"dev": ["pyramid_debugtoolbar"]}`), the image installs that requirement so the app starts, with
a warning: a development .ini is being served (see `included_extras`).

Good (served as `hello:main`, by `gunicorn --paste production.ini`)::

    [app:main]
    use = egg:hello

Bad (refused: pyramid.includes names pyramid_debugtoolbar, which the app's dependencies do not install)::

    [app:main]
    use = egg:hello
    pyramid.includes = pyramid_debugtoolbar
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import Evidence, line_of
from dockwise.pyapp.grammar import is_app_path, is_attribute, is_module_path, one_line
from dockwise.pyapp.layouts import Dependencies
from dockwise.pyapp.layouts.project import Project
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


def _egg_target(project: Project | None, egg: str, where: str) -> str:
    name, _, entry = egg.partition("#")
    entry = entry or "main"
    ours = project is not None and project.name and canonicalize_name(project.name) == canonicalize_name(name)
    target = project.entry_points.get(ENTRY_GROUP, {}).get(entry) if project is not None and ours else None
    if project is not None and target is not None:
        if project.packaged:
            return target
        raise _refuse(
            f"{where}: use = egg:{egg} needs the project installed ({project.file} names {target} as its "
            f"{ENTRY_GROUP} entry point), and the image does not install it ({project.not_packaged_because})",
            "have the image install the project (for a requirements file, a line `-e .`), or write "
            "`use = call:MODULE:FUNCTION` in the .ini",
        )
    declared_in = project.file if project is not None else "pyproject.toml"
    raise _refuse(
        f"{where}: use = egg:{egg} names no {ENTRY_GROUP} entry point '{entry}' of this project",
        f"declare it in {declared_in} (entry points, group {ENTRY_GROUP}), or write `use = call:MODULE:FUNCTION`",
    )


@dataclass(frozen=True)
class IncludedExtra:
    """A `pyramid.includes` module no dependency installs but an extra of the project provides (pyramid_debugtoolbar
    in `dev`): dockwise installs the extra's requirement that provides it, and says so."""

    module: str
    extra: str
    requirement: str  # the extra's requirement line, as the project gives it
    evidence: Evidence


def _missing_includes(
    section: configparser.SectionProxy, config: str, text: str, deps: Dependencies, modules, project: Project | None
) -> list[IncludedExtra]:
    """The included modules an extra of the project provides; one nothing provides is refused."""
    own = {m.name.split(".")[0] for m in modules}
    line = line_of(text, "pyramid.includes")
    where = Evidence(config, line).where()
    found = []
    for include in section.get("pyramid.includes", "").split():
        top = include.split(".")[0].split(":")[0]
        if top in own or canonicalize_name(top) in deps.names:
            continue
        provided = _from_extra(project, top) if project is not None and project.packaged else None
        if provided is None:
            raise _refuse(
                f"{where}: pyramid.includes names {top}, which the app's dependencies do not install",
                "add it to the dependencies, or serve an .ini without it (a production.ini, as Pyramid's "
                "cookiecutters have)",
            )
        extra, requirement = provided
        found.append(IncludedExtra(top, extra, requirement, Evidence(config, line, f"pyramid.includes {include}")))
    return found


def _from_extra(project: Project, module: str) -> tuple[str, str] | None:
    """(extra, requirement) of the project's first extra that names `module`'s distribution."""
    for extra, lines in project.extras.items():
        for line in lines:
            try:
                name = Requirement(line).name
            except InvalidRequirement:
                continue
            if canonicalize_name(name) == canonicalize_name(module):
                return extra, line
    return None


def _names_known(deps: Dependencies, project: Project | None) -> bool:
    """Whether dockwise knows what the image installs: not when there are no dependencies, or when the project's
    are computed (installed with the project, in the build)."""
    dynamic = project is not None and project.dynamic_dependencies and deps.kind in ("pyproject", "setup.py")
    return deps.kind != "none" and not dynamic


def included_extras(
    root: Path, config: str, project: Project | None, deps: Dependencies, modules: list[Module]
) -> list[IncludedExtra]:
    """What the served .ini `config` includes that only an extra of the project provides."""
    read = _app_section(root, config)
    if read is None or not _names_known(deps, project):
        return []
    section, text = read
    return _missing_includes(section, config, text, deps, modules, project)


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
            target = _egg_target(project, rest, where)
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
        if _names_known(deps, project):
            _missing_includes(section, name, text, deps, modules, project)
        found.append(PasteApp(str(PurePosixPath(name)), module, function, Evidence(name, line_of(text, "use"), use)))
    return found
