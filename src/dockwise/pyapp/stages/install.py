"""Stage 2: what the builder installs — the Python (the app's constraints, the pins' supported Pythons and wheels),
the dependencies (the layout providers of pyapp/layouts/), what compiles from source; and the extras the served config
needs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.entry import (
    Candidate,
)
from dockwise.pyapp.layouts import Dependencies, LayoutContext, detect_dependencies, with_added
from dockwise.pyapp.layouts.install_requires import requirement
from dockwise.pyapp.layouts.project import Project
from dockwise.pyapp.native import NativeBuild, native_build, uncompilable
from dockwise.pyapp.native import warnings as native_warnings
from dockwise.pyapp.paste import included_extras
from dockwise.pyapp.pyversion import PythonChoice, choose_python, prefer_supported, prefer_wheels
from dockwise.pyapp.stages.log import Decision, Log
from dockwise.pyapp.stages.source import Source
from dockwise.pyapp.wheels import IndexReader, check_wheels

if TYPE_CHECKING:
    from dockwise.pyapp.detect import InitOptions


# setup.py keywords dockwise uses (install_requires has its own warning; packages are setuptools' business).
_READ_SETUP_KEYWORDS = ("name", "python_requires", "extras_require", "entry_points", "classifiers", "**")


@dataclass(frozen=True)
class Install:
    """What the builder installs: the Python, the dependencies (their layout's provider decided how), what compiles.
    `project` is the source's, unless the dependency file that won leaves it uninstalled."""

    project: Project | None
    python: PythonChoice
    deps: Dependencies
    native: NativeBuild

    @property
    def packaged(self) -> bool:
        """The project is built as a wheel and installed (its modules run from site-packages)."""
        return bool(self.project and self.project.packaged) or bool(self.deps.local_lines)


def plan_install(source: Source, options: InitOptions, index: IndexReader | None, log: Log) -> Install:
    """The Python the app allows, narrowed by what the pins support and by their wheels; the dependency layout's
    provider; what compiles from source."""
    root, files, modules, project = source.root, source.files, source.modules, source.project
    newer = [m.newer for m in modules if m.newer is not None]
    python = choose_python(root, project, options.python, max(newer, key=lambda n: n.version, default=None))
    deps = detect_dependencies(
        LayoutContext(root, tuple(files), project, python.version, tuple(modules)), list(options.deps)
    )
    log.notes += deps.notes
    if project and (unread := [k for k in project.unread if k in _READ_SETUP_KEYWORDS]):
        log.notes.append(
            f"setup.py computes {', '.join('**options' if k == '**' else k for k in unread)} when it runs, and "
            "dockwise never runs the app's code on this machine: "
            + ("not read" if len(unread) > 1 else "it is not read")
            + " (write it as a literal for dockwise to use it)"
        )
    if project and project.file == "setup.py" and project.packaged and deps.kind != "setup.py" and not deps.local_lines:
        # The requirements file (or lock) that won is what the image installs; it does not name the project itself.
        project = replace(
            project,
            packaged=False,
            not_packaged_because=f"{deps.evidence.file} is what the image installs, and it has no `-e .` line",
        )
    elif project and project.not_packaged_because:
        log.notes.append(
            f"{project.file} is an app, not a package ({project.not_packaged_because}): dockwise installs its "
            "dependencies and copies its code instead of building it as a wheel"
        )
    if not modules and deps.kind == "none":
        raise DockwiseError(
            f"no Python web app in {root}: no Python files and no dependency file",
            "run dockwise init on the app's directory",
            exit_code=EXIT_USAGE,
        )
    log.warnings += python.warnings + deps.warnings
    log.todo += deps.todo
    if not deps.pinned and not deps.todo:
        log.todo.append(
            f"pin the dependencies ({deps.evidence.where()} has unpinned requirements): builds differ over "
            "time; a hash-pinned lock (pip-compile --generate-hashes, uv lock) is installed with --require-hashes"
        )
    chosen_first = python.version
    python = prefer_supported(python, deps.pins)
    report = check_wheels(deps.pins, python.candidates or (python.version,), index)
    python = prefer_wheels(python, report)
    native = native_build(report, python.version)
    _refuse_uncompilable(native)
    if python.version != chosen_first:  # the layouts evaluate markers for the target Python: read them again
        deps = detect_dependencies(
            LayoutContext(root, tuple(files), project, python.version, tuple(modules)), list(options.deps)
        )
    log.decisions.append(Decision("python", python.version, _python_evidence(python), python.evidence))
    log.decisions.append(Decision("dependencies", _deps_value(deps), str(deps.evidence), deps.evidence))
    if native.compiled:
        log.decisions.append(_native_decision(native, report.checked))
    log.warnings += native_warnings(native)
    if not report.checked and deps.pins:
        log.notes.append(
            "--offline: the package index was not read, so the Python version is not checked against the pins' "
            "wheels and only sdists that never ship Linux wheels get build packages; without --offline, init "
            "reads PyPI's simple index (a few seconds, cached for a day)"
        )
    elif unknown := report.unknown(python.version):
        log.notes.append(
            f"the index did not answer for {', '.join(str(p.pin) for p in unknown[:5])}"
            + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
            + ": their wheels were not checked"
        )
    return Install(project, python, deps, native)


def _python_evidence(python: PythonChoice) -> str:
    reasons = "; ".join(r for r in (python.support, python.wheels) if r)
    evidence = str(python.evidence) if python.evidence else "no pin or constraint in the app"
    if reasons:
        return f"{evidence}; {reasons}" if python.evidence else f"no pin: {reasons}"
    return evidence if python.evidence else evidence + ": dockwise's default"


def add_included_extras(source: Source, install: Install, candidate: Candidate | None, log: Log) -> Install:
    """The served .ini includes a module only an extra of the project provides (pyramid_debugtoolbar, in `dev`):
    that requirement is installed, so the app starts, with a warning (a development config is being served) and a
    to-do (serve a production one)."""
    project, deps = install.project, install.deps
    if candidate is None or not candidate.paste or project is None:
        return install
    for included in included_extras(source.root, candidate.paste, project, deps, source.modules):
        where = included.evidence.where()
        if deps.hashed:
            raise DockwiseError(
                f"{where}: pyramid.includes names {included.module}, which the app's hash-pinned dependencies do not "
                f"install (only the project's {included.extra!r} extra names it)",
                "lock it with the dependencies, or serve an .ini without it (a production.ini)",
                exit_code=EXIT_USAGE,
            )
        line = requirement(project, included.requirement)
        deps = with_added(deps, (line,))
        log.decisions.append(
            Decision(
                "extra",
                f"{line} (the project's {included.extra!r} extra)",
                f"{where} includes {included.module}, which only that extra installs",
                included.evidence,
            )
        )
        others = [r for r in project.extras.get(included.extra, ()) if r != included.requirement]
        log.warnings.append(
            f"{where}: pyramid.includes names {included.module}, which only the project's {included.extra!r} extra "
            f"provides: dockwise installs {line} so the app starts, but {candidate.paste} is a development config (a "
            "development add-on in a production image)"
            + (f"; the extra's other requirements ({', '.join(others[:4])}) are left out" if others else "")
        )
        log.todo.append(
            f"serve a production config: an .ini without {included.module} in pyramid.includes (Pyramid's "
            "cookiecutters ship production.ini, which dockwise serves when there is one), then run init again"
        )
    return replace(install, deps=deps)


def _refuse_uncompilable(native: NativeBuild) -> None:
    """A pin that has no wheel for the chosen Python and cannot compile there fails the build after minutes of
    compiler output: say so now, with the release to move to."""
    pins = uncompilable(native)
    if not pins:
        return
    first = pins[0]
    others = f" (and {', '.join(str(p.pin) for p in pins[1:])}, likewise)" if pins[1:] else ""
    raise DockwiseError(
        f"{first.pin.evidence.where()}: {first.pin} has no wheel for Python {native.python} and cannot be compiled "
        "there: its "
        f"C code follows the CPython of its day, and {first.first_with_wheel} is its first release with a "
        f"{native.python} wheel{others}",
        (
            f"require {first.pin.name}>={first.first_with_wheel} and lock again ({first.pin.evidence.file} pins it)"
            if first.pin.evidence.file.endswith(".lock")
            else f"pin {first.pin.name}=={first.first_with_wheel} or later in {first.pin.evidence.file}"
        )
        + ", then run dockwise init again",
        exit_code=EXIT_USAGE,
    )


def _native_decision(native: NativeBuild, checked: bool) -> Decision:
    names = ", ".join(str(p.pin) for p in native.compiled)
    runtime = ", ".join(native.runtime_packages) or "none"
    why = (
        f"no wheel for Python {native.python} on the index"
        if checked
        else "never published as a Linux wheel (--offline: the index was not read)"
    )
    return Decision(
        "compiled",
        f"{names}: builder gets {', '.join(native.build_packages)} and Python's headers; runtime libraries: {runtime}",
        f"{why} ({', '.join(p.pin.evidence.where() for p in native.compiled[:3])})",
        native.compiled[0].pin.evidence,
    )


def _deps_value(deps: Dependencies) -> str:
    kind = {
        "requirements": ", ".join(deps.requirement_roots) or "requirements",
        "pyproject": "pyproject.toml",
        "setup.py": "setup.py's install_requires"
        + (" (computed: installed with the project)" if deps.install == "nothing" else ""),
        "uv": "uv.lock (exported by uv)",
        "poetry": "poetry.lock (exported by Poetry)",
        "poetry-stale-lock": "pyproject.toml's Poetry constraints (poetry.lock is stale)",
        "poetry-constraints": "pyproject.toml's Poetry constraints (no poetry.lock)",
        "pdm": "pdm.lock (default group)",
        "pipenv": "Pipfile.lock",
        "pipfile": "Pipfile's [packages] (no Pipfile.lock)",
        "imports": "inferred from the imports: " + ", ".join(deps.listed),
        "none": "none",
    }[deps.kind]
    mode = "hash-pinned, --require-hashes" if deps.hashed else ("pinned" if deps.pinned else "not pinned")
    return f"{kind} ({mode})"
