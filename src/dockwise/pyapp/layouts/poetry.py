"""Poetry without a lock: [tool.poetry.dependencies] (and [project].dependencies) turned into requirement lines,
unpinned, with a to-do to lock them. Poetry's development groups are never installed.

Anti-pattern: reading only [project].dependencies of a Poetry project installs nothing (and a build-time
`tomllib...['project']` fails with KeyError). Best practice: `quart = "*"` becomes `quart`, `^0.18` becomes
`>=0.18,<0.19`.
"""

from __future__ import annotations

from dockwise.pyapp.layouts import Dependencies, Layout, LayoutContext, listed_dependencies
from dockwise.pyapp.layouts.poetry_constraints import poetry_requirements
from dockwise.pyapp.layouts.project import poetry_table, table

LAYOUT = Layout("poetry-constraints", ("pyproject.toml",))


def detect(context: LayoutContext) -> Dependencies | None:
    project = context.project
    if project is None:
        return None
    declared = table(poetry_table(project), "dependencies", "pyproject.toml", "[tool.poetry].")
    if not any(name.lower() != "python" for name in declared):
        return None
    lines = poetry_requirements(project)
    return listed_dependencies(
        "poetry-constraints",
        lines,
        project.evidence("[tool.poetry.dependencies]"),
        ("pyproject.toml",),
        warning=None,
        todo="lock the dependencies: `poetry lock` and commit poetry.lock (installed hash-pinned from it then)",
    )
