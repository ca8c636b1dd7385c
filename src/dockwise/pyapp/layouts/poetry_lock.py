"""poetry.lock, fresh: exported by Poetry itself in a lock stage (`poetry export --only main`), hash-pinned.

Fresh means what Poetry checks before it exports: the lock's `content-hash` is the sha256 of pyproject.toml's
relevant content (poetry/packages/locker.py, `_get_content_hash`). A stale lock is `poetry_stale`'s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from hashlib import sha256

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import line_of
from dockwise.pyapp.grammar import is_distribution_name
from dockwise.pyapp.layouts import Dependencies, Layout, LayoutContext
from dockwise.pyapp.layouts.locks import Edge, exported, locked_packages, toml_name, walk
from dockwise.pyapp.layouts.project import Project, malformed, poetry_table, read_toml, table

LAYOUT = Layout("poetry", ("poetry.lock",), lockfile=True)
_LEGACY_KEYS = ("dependencies", "source", "extras", "dev-dependencies")
_PROJECT_KEYS = ("requires-python", "dependencies", "optional-dependencies")


def detect(context: LayoutContext) -> Dependencies | None:
    if not context.has("poetry.lock"):
        return None
    project = _project(context)
    data, text = read_toml(context.root, "poetry.lock")
    if not is_fresh(project, data, text):
        return None
    packages = locked_packages(data, "poetry.lock")
    for group in packages.values():
        for package in group:
            kind = (package.get("source") or {}).get("type")
            if kind not in (None, "legacy"):
                raise DockwiseError(
                    f"poetry.lock:{line_of(text, toml_name(package))}: "
                    f"{package['name']} comes from a {kind} source, not a package index",
                    "dockwise installs locked packages with --require-hashes; lock a released version",
                    exit_code=EXIT_USAGE,
                )
            list(_edges(package, frozenset()))  # every dependency table is checked, reachable or not
    names = walk(packages, _direct(project), _edges)
    return exported("poetry", "poetry.lock", packages, names, text)


def _project(context: LayoutContext) -> Project:
    if context.project is None:
        raise DockwiseError(
            "poetry.lock without pyproject.toml", "add the pyproject.toml it was locked from", exit_code=EXIT_USAGE
        )
    return context.project


def content_hash(pyproject: dict, *, with_dependency_groups: bool = True) -> str:
    """Poetry's content hash of pyproject.toml (the relevant keys of [project] and [tool.poetry], sorted JSON)."""
    project = dict_at(pyproject, "project")
    groups = pyproject.get("dependency-groups", {}) if with_dependency_groups else {}
    tool = dict_at(pyproject, "tool")
    poetry = dict_at(tool, "poetry")
    relevant_project = {key: project[key] for key in _PROJECT_KEYS if project.get(key) is not None}
    relevant_poetry = {}
    for key in (*_LEGACY_KEYS, "group"):
        value = poetry.get(key)
        if value is None and (key not in _LEGACY_KEYS or relevant_project or groups):
            continue
        relevant_poetry[key] = value
    content: dict = {}
    if relevant_project:
        content["project"] = relevant_project
    if groups:
        content["dependency-groups"] = groups
    content = {**content, "tool": {"poetry": relevant_poetry}} if content else relevant_poetry
    return sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def dict_at(data: dict, key: str) -> dict:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def is_fresh(project: Project, lock: dict, text: str) -> bool:
    """Poetry's own test (Locker.is_fresh): locks written before Poetry 2.3 hashed no dependency groups."""
    metadata = dict_at(lock, "metadata")
    recorded = metadata.get("content-hash")
    if recorded is None:
        return False
    if recorded == content_hash(project.data):
        return True
    header = re.search(r"Poetry ([^ ]+)", text.split("\n", 1)[0])
    try:
        older = header is not None and Version(header.group(1)) < Version("2.3.0")
    except InvalidVersion:
        older = False
    return older and recorded == content_hash(project.data, with_dependency_groups=False)


def _direct(project: Project) -> list[Edge]:
    declared = table(poetry_table(project), "dependencies", "pyproject.toml", "[tool.poetry].")
    edges: list[Edge] = []
    for name, value in declared.items():
        if name.lower() == "python" or not is_distribution_name(name):
            continue
        extras = value.get("extras") if isinstance(value, dict) else None
        edges.append((canonicalize_name(name), _extras(extras)))
    for text in project.dependencies:
        requirement = Requirement(text)
        edges.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    return edges


def _extras(value: object) -> frozenset[str]:
    if isinstance(value, list) and all(isinstance(e, str) for e in value):
        return frozenset(canonicalize_name(e) for e in value)
    return frozenset()


def _edges(package: dict, extras: frozenset[str]) -> Iterable[Edge]:
    """A package's dependencies: the optional ones only when an extra asked of it names them."""
    dependencies = package.get("dependencies") or {}
    if not isinstance(dependencies, dict):
        raise malformed("poetry.lock", f"{package['name']}'s dependencies", "a table")
    chosen_extras = package.get("extras") or {}
    if not isinstance(chosen_extras, dict):
        raise malformed("poetry.lock", f"{package['name']}'s extras", "a table")
    wanted = {_name(line) for e in extras for line in chosen_extras.get(e) or [] if isinstance(line, str)}
    for name, value in dependencies.items():
        if not is_distribution_name(name):
            raise malformed("poetry.lock", f"{package['name']}'s dependencies", "a table of named packages")
        entries = value if isinstance(value, list) else [value]
        optional = all(isinstance(v, dict) and v.get("optional") for v in entries)
        if optional and canonicalize_name(name) not in wanted:
            continue
        asked = frozenset().union(*(_extras(v.get("extras")) for v in entries if isinstance(v, dict)))
        yield canonicalize_name(name), asked


def _name(line: str) -> str:
    try:
        return canonicalize_name(Requirement(line.split(" (")[0]).name)
    except InvalidRequirement:
        return ""
