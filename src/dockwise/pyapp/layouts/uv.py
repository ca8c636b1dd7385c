"""uv.lock: exported by uv itself in a lock stage (`uv export --frozen --no-dev`), hash-pinned.

The set's names follow the extras each dependency asks for (`fastapi[standard]` brings uvicorn): the server the
lock pins is the app's own, so dockwise never adds a second pin of it beside the lock's (pip refuses
`uvicorn==0.30.6` and `uvicorn==0.54.0` in one run).
"""

from __future__ import annotations

from collections.abc import Iterable

from packaging.utils import canonicalize_name

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import line_of
from dockwise.pyapp.grammar import is_distribution_name
from dockwise.pyapp.layouts import Dependencies, Layout, LayoutContext
from dockwise.pyapp.layouts.locks import Edge, exported, locked_packages, toml_name, walk
from dockwise.pyapp.layouts.project import malformed, read_toml

LAYOUT = Layout("uv", ("uv.lock",), lockfile=True)


def detect(context: LayoutContext) -> Dependencies | None:
    if not context.has("uv.lock"):
        return None
    data, text = read_toml(context.root, "uv.lock")
    packages = locked_packages(data, "uv.lock")
    roots = [
        p
        for group in packages.values()
        for p in group
        if (p.get("source") or {}).get("editable") == "." or (p.get("source") or {}).get("virtual") == "."
    ]
    for group in packages.values():
        for package in group:
            source = package.get("source") or {}
            if package not in roots and not source.get("registry"):
                raise DockwiseError(
                    f"uv.lock:{line_of(text, toml_name(package))}: {package['name']} "
                    f"comes from {', '.join(source) or 'an unknown source'}, not a package index",
                    "dockwise installs locked packages with --require-hashes; lock a released version",
                    exit_code=EXIT_USAGE,
                )
            _edges(package, frozenset())  # every dependency list is checked, reachable or not
    start = [e for root in roots for e in _edges(root, frozenset())] if roots else [(n, frozenset()) for n in packages]
    names = walk(packages, start, _edges)
    return exported("uv", "uv.lock", packages, names, text)


def _edges(package: dict, extras: frozenset[str]) -> Iterable[Edge]:
    optional = package.get("optional-dependencies") or {}
    if not isinstance(optional, dict):
        raise malformed("uv.lock", f"{package['name']}'s optional-dependencies", "a table")
    listed = list(package.get("dependencies") or []) + [d for e in sorted(extras) for d in optional.get(e) or []]
    for dependency in listed:
        if not isinstance(dependency, dict) or not is_distribution_name(dependency.get("name")):
            raise malformed("uv.lock", f"{package['name']}'s dependencies", "a list of named packages")
        asked = dependency.get("extra") or []
        if not isinstance(asked, list) or not all(isinstance(e, str) for e in asked):
            raise malformed("uv.lock", f"{package['name']}'s dependency extras", "a list of strings")
        yield canonicalize_name(dependency["name"]), frozenset(canonicalize_name(e) for e in asked)
