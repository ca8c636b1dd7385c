"""setup.py's install_requires, for a project with no pyproject.toml: read statically (`setup_py.py`), normalised
and written into the Dockerfile as requirement lines, so the dependency layer comes before the code and a code change
reuses it. The project itself is then built as a wheel without its dependencies.

When install_requires is computed (read from a file, built by a function), dockwise cannot know it without running
setup.py: the dependencies are installed with the project itself, in the build, with a warning (as for a
pyproject.toml whose dependencies are dynamic).

Good (a dependency layer of two lines, then the wheel with --no-deps)::

    requires = ["pyramid", "waitress"]
    setup(name="tutorial", install_requires=requires)

Bad (warned: installed with the project, no separate layer)::

    setup(name="tutorial", install_requires=open("requirements.txt").read().splitlines())
"""

from __future__ import annotations

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.grammar import requirement_line
from dockwise.pyapp.layouts import Dependencies, Layout, LayoutContext, listed_dependencies
from dockwise.pyapp.layouts.project import Project

LAYOUT = Layout("setup.py", ("setup.py",))

PIN_TODO = (
    "pin the dependencies: `uv pip compile --generate-hashes setup.py -o requirements.txt` (or pip-compile) and a line "
    "`-e .` in it (the project itself, built as a wheel), then run init again: builds differ over time without pins"
)


def detect(context: LayoutContext) -> Dependencies | None:
    project = context.project
    if project is None or project.file != "setup.py":
        return None
    if project.dynamic_dependencies and not project.packaged:
        return None  # nothing would install them: the imports say what to install
    evidence = project.evidence("install_requires")
    if project.dynamic_dependencies:
        return Dependencies(
            "setup.py",
            (),
            frozenset(),
            hashed=False,
            pinned=False,
            evidence=Evidence("setup.py", evidence.line, "install_requires: computed when setup.py runs"),
            install="nothing",
            warnings=(
                f"{evidence.where()}: install_requires is computed when setup.py runs, and dockwise never runs the "
                "app's code on this machine: the dependencies are installed with the project itself in the build "
                "(no separate dependency layer, so a code change reinstalls them), and what is installed is not "
                "known here (no wheel check, no pins)",
            ),
            todo=(PIN_TODO,),
        )
    return listed_dependencies(
        "setup.py",
        tuple(_line(project, requirement) for requirement in project.dependencies),
        Evidence("setup.py", evidence.line, "install_requires"),
        ("setup.py",),
        warning=None,
        todo=PIN_TODO,
    )


def requirement(project: Project, requirement: str) -> str:
    """A requirement line of the project (install_requires or an extra), normalised for a pip command line."""
    return _line(project, requirement)


def _line(project: Project, requirement: str) -> str:
    line = requirement_line(requirement)
    if line is None:
        raise DockwiseError(
            f"{project.evidence(requirement).where()}: {requirement[:80]!r} is not a released distribution dockwise "
            "can install (a URL, or characters no pip command line takes)",
            "name a released version in setup.py, or list the dependencies in a requirements file",
            exit_code=EXIT_USAGE,
        )
    return line
