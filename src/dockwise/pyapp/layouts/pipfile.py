"""A Pipfile without its Pipfile.lock: the [packages] table turned into requirement lines, unpinned, with a
warning and a to-do (`pipenv lock`). [dev-packages] are never installed; git, path and editable entries are
refused (dockwise installs released versions)."""

from __future__ import annotations

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import Evidence, line_of
from dockwise.pyapp.grammar import is_distribution_name, requirement_line
from dockwise.pyapp.layouts import Dependencies, Layout, LayoutContext, listed_dependencies
from dockwise.pyapp.layouts.project import read_toml, table

LAYOUT = Layout("pipfile", ("Pipfile",))


def detect(context: LayoutContext) -> Dependencies | None:
    if not context.has("Pipfile"):
        return None
    data, text = read_toml(context.root, "Pipfile")
    packages = table(data, "packages", "Pipfile")
    lines = tuple(_line(name, entry, text) for name, entry in packages.items())
    return listed_dependencies(
        "pipfile",
        lines,
        Evidence("Pipfile", line_of(text, "[packages]"), "[packages]"),
        ("Pipfile",),
        warning=(
            f"Pipfile has no Pipfile.lock: dockwise installs its {len(lines)} [packages] unpinned (what pip "
            "resolves today)"
        ),
        todo="lock the dependencies: `pipenv lock`, commit Pipfile.lock, then `dockwise init --force`",
    )


def _line(name: str, entry: object, text: str) -> str:
    version: object = entry
    extras: object = []
    markers: object = None
    if isinstance(entry, dict):
        if any(key in entry for key in ("git", "path", "file", "editable", "ref")):
            raise _refused(name, "does not come from a package index", text)
        version, extras, markers = entry.get("version", "*"), entry.get("extras") or [], entry.get("markers")
    if not isinstance(version, str) or not is_distribution_name(name):
        raise _refused(name, 'is not NAME = "VERSION" nor a table with a version', text)
    if not isinstance(extras, list) or not all(is_distribution_name(e) for e in extras):
        raise _refused(name, "has extras that are not names", text)
    spec = "" if version.strip() == "*" else version.strip()
    line = requirement_line(
        name
        + (f"[{','.join(extras)}]" if extras else "")
        + spec
        + (f" ; {markers}" if isinstance(markers, str) else "")
    )
    if line is None:
        raise _refused(name, "does not make a valid requirement", text)
    return line


def _refused(name: str, why: str, text: str) -> DockwiseError:
    where = line_of(text, name)
    return DockwiseError(
        f"Pipfile{f':{where}' if where else ''}: {name[:60]!r} {why}",
        "pin a released version in [packages], or lock it: `pipenv lock`",
        exit_code=EXIT_USAGE,
    )
