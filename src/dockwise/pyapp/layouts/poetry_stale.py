"""poetry.lock older than pyproject.toml: Poetry refuses to export it ("pyproject.toml changed significantly since
poetry.lock was last generated"), so the build would fail in its lock stage. dockwise installs pyproject.toml's
constraints instead, unpinned, and says so loudly: a warning and a to-do (`poetry lock`).
"""

from __future__ import annotations

from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.layouts import Dependencies, Layout, LayoutContext, listed_dependencies
from dockwise.pyapp.layouts.locks import locked_packages
from dockwise.pyapp.layouts.poetry_constraints import poetry_requirements
from dockwise.pyapp.layouts.poetry_lock import content_hash, dict_at, is_fresh
from dockwise.pyapp.layouts.project import read_toml

LAYOUT = Layout("poetry-stale-lock", ("poetry.lock",), lockfile=True)


def detect(context: LayoutContext) -> Dependencies | None:
    project = context.project
    if not context.has("poetry.lock") or project is None:
        return None
    data, text = read_toml(context.root, "poetry.lock")
    if is_fresh(project, data, text):
        return None
    locked_packages(data, "poetry.lock")  # a malformed lock is refused, stale or not
    recorded = dict_at(data, "metadata").get("content-hash")
    why = (
        f"its content-hash {str(recorded)[:12]}… is not pyproject.toml's ({content_hash(project.data)[:12]}…)"
        if recorded
        else "it records no content-hash"
    )
    lines = poetry_requirements(project)
    return listed_dependencies(
        "poetry-stale-lock",
        lines,
        Evidence("poetry.lock", None, f"stale: {why}"),
        ("poetry.lock", "pyproject.toml"),
        warning=(
            f"poetry.lock is older than pyproject.toml ({why}): Poetry refuses to export it, so dockwise installs "
            f"pyproject.toml's {len(lines)} constraints instead, unpinned (what pip resolves today, not what was "
            "locked)"
        ),
        todo="lock the dependencies again: `poetry lock`, commit poetry.lock, then `dockwise init --force`",
    )
