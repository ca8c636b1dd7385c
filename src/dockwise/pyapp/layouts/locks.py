"""What the TOML lockfiles (uv.lock, poetry.lock, pdm.lock) share: [[package]] tables, checked, and the walk from
the app's direct dependencies through them (following the extras each edge asks for)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from packaging.utils import canonicalize_name

from dockwise.pyapp.evidence import Evidence, line_of
from dockwise.pyapp.grammar import is_distribution_name
from dockwise.pyapp.layouts import Dependencies
from dockwise.pyapp.layouts.project import malformed
from dockwise.pyapp.wheels import Pin, valid_pins

Edge = tuple[str, frozenset[str]]  # a dependency: canonical name, the extras asked for


def locked_packages(data: dict, name: str) -> dict[str, list[dict]]:
    """A lockfile's [[package]] tables by canonical name (pdm.lock has one per extra); a package without a valid
    name is the file's mistake."""
    packages = data.get("package", [])
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise malformed(name, "package", "a list of [[package]] tables")
    found: dict[str, list[dict]] = {}
    for package in packages:
        if not is_distribution_name(package.get("name")):
            raise malformed(name, f"the package name {package.get('name')!r}", "a distribution name")
        for key in ("source", "dependencies"):
            value = package.get(key)
            if value is not None and not isinstance(value, (dict, list)):
                raise malformed(name, f"{package['name']}'s {key}", "a table or list")
        if not isinstance(package.get("source") or {}, dict):
            raise malformed(name, f"{package['name']}'s source", "a table")
        found.setdefault(canonicalize_name(package["name"]), []).append(package)
    return found


def toml_name(package: dict) -> str:
    return f'name = "{package["name"]}"'


def walk(
    packages: dict[str, list[dict]], start: Iterable[Edge], edges: Callable[[dict, frozenset[str]], Iterable[Edge]]
) -> frozenset[str]:
    """Names reachable from `start`: each package's edges for the extras asked of it."""
    seen: set[Edge] = set()
    todo = list(start)
    while todo:
        edge = todo.pop()
        if edge in seen or edge[0] not in packages:
            continue
        seen.add(edge)
        for package in packages[edge[0]]:
            todo.extend(edges(package, edge[1]))
    return frozenset(name for name, _ in seen)


def locked_pins(packages: dict[str, list[dict]], names: frozenset[str], lockfile: str, text: str) -> tuple[Pin, ...]:
    """The locked version of each installed name, with its line in the lockfile."""
    return valid_pins(
        Pin(name, package["version"], Evidence(lockfile, line_of(text, toml_name(package))))
        for name in sorted(names)
        for package in packages.get(name, [])[:1]
        if isinstance(package.get("version"), str)
    )


def exported(
    tool: str, lockfile: str, packages: dict[str, list[dict]], names: frozenset[str], text: str
) -> Dependencies:
    """A lock its own tool exports with hashes in the build (poetry.lock, uv.lock): the main group's `names`."""
    return Dependencies(
        tool,
        (lockfile, "pyproject.toml"),
        names,
        hashed=True,
        pinned=True,
        evidence=Evidence(lockfile, None, f"{len(names)} locked packages (main group)"),
        install="export",
        tool=tool,
        pins=locked_pins(packages, names, lockfile, text),
    )
