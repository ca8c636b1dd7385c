"""The build plan `dockwise init --plan` prints: what init found in the app (with evidence), what the images install
and what the container runs, as JSON with stable keys (`plan.schema.json` beside this module describes each one).

The plan is serialized from the typed facts (`detect.AppFacts`) and nothing else: no text is parsed back. Each
field of `AppFacts` has one place in the plan (`PLACES`) or is listed in `INTERNAL` with the reason it is not
printed; a test holds the two to the dataclass, so a new field cannot be dropped silently. The objects under a
field (the dependencies, the app candidate, a write path, ...) are serialized whole, field by field, so a field
added to them appears in the plan at once, and the schema (which allows no unknown key) makes it documented.

Paths in the plan are relative to the app folder or inside the image: the plan of an app is the same on every
machine, so its golden file (tests/golden/) shows a change in review.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from importlib.resources import files
from pathlib import PurePath
from typing import Any

from dockwise.pyapp.bases import BASES
from dockwise.pyapp.detect import AppFacts
from dockwise.pyapp.layouts import Dependencies
from dockwise.pyapp.layouts.project import Project
from dockwise.pyapp.render import DISTROLESS_UID, STANDARD_UID, TOOLS, contract
from dockwise.pyapp.server import Server, server_requirements
from dockwise.pyapp.stages.log import Decision
from dockwise.pyapp.stages.writes import data_target

SCHEMA = "dockwise.plan/1"
"""The plan's format version: a key removed or changed in meaning makes it /2 (a key added keeps /1)."""

# Where each AppFacts field goes in the plan (documentation for the reader and the field test; `plan` places them).
PLACES: Mapping[str, str] = {
    "name": "name",
    "project": "found.project",
    "deps": "found.dependencies, install.dependencies",
    "python": "found.python, install.python",
    "candidate": "found.app",
    "framework": "found.framework",
    "interface": "found.interface",
    "django_settings": "found.django_settings",
    "decisions": "found.decisions",
    "server": "install.server, install.added, run.server",
    "framework_imports": "install.stdlib_imports",
    "native": "install.native",
    "import_check": "install.import_check",
    "collectstatic": "install.collectstatic",
    "build_env": "install.collectstatic.build_env",
    "command": "run.command",
    "port": "run.port",
    "health_path": "run.health_path",
    "stop_signal": "run.stop_signal",
    "writable": "run.writable",
    "setup": "run.setup.command",
    "setup_scope": "run.setup.scope",
    "setup_suggestions": "run.setup_suggestions",
    "copies": "run.copies",
    "left_out": "run.left_out",
    "warnings": "warnings",
    "todo": "todo",
    "notes": "notes",
}
INTERNAL: Mapping[str, str] = {
    "root": "the app folder's absolute path on this machine: the plan is the same wherever the app lies",
}
# Fields of nested objects left out: the whole pyproject.toml, as text and as parsed; how a script runs a server.
OMITTED: Mapping[type, frozenset[str]] = {
    Project: frozenset({"text", "data", "keyword_lines"}),
    Server: frozenset({"own_server"}),
}
# Fields of nested objects whose JSON key says better what they hold.
RENAMED: Mapping[type, Mapping[str, str]] = {
    Decision: {"evidence": "why", "source": "evidence"},
    Dependencies: {"kind": "layout"},
}


def to_json(value: Any) -> Any:
    """A typed value as JSON data: dataclasses field by field (their `OMITTED` fields left out, `RENAMED` ones
    renamed), paths as POSIX strings, tuples as lists, sets sorted. Any other type is a bug, raised."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        omitted = OMITTED.get(kind, frozenset())
        renamed = RENAMED.get(kind, {})
        return {
            renamed.get(f.name, f.name): to_json(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in omitted
        }
    if isinstance(value, PurePath):
        return value.as_posix()
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(to_json(item) for item in value)
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    raise TypeError(f"the plan cannot hold a {type(value).__name__}")


def _mode(deps: Dependencies) -> str:
    return "hashed" if deps.hashed else "pinned" if deps.pinned else "unpinned"


def _found(facts: AppFacts) -> dict[str, Any]:
    candidate = facts.candidate
    return {
        "framework": facts.framework,
        "interface": facts.interface,
        "app": None if candidate is None else {"target": candidate.target, **to_json(candidate)},
        "project": to_json(facts.project),
        "dependencies": to_json(facts.deps),
        "python": {"wanted": facts.python.wanted, "evidence": to_json(facts.python.evidence)},
        "django_settings": facts.django_settings,
        "decisions": to_json(facts.decisions),
    }


def _install(facts: AppFacts) -> dict[str, Any]:
    bases = BASES[facts.python.version]
    server = facts.server
    deps = facts.deps
    build_env = list(facts.build_env)  # read unconditionally: the field test sees every placed field read
    return {
        "python": to_json(facts.python),
        "bases": {
            variant: {"public": bases.public_build_args(variant), "local": bases.local_build_args(variant)}
            for variant in ("standard", "distroless")
        },
        "dependencies": {
            "layout": deps.kind,
            "files": list(deps.files),
            "mode": _mode(deps),
            "project_wheel": facts.packaged,
            "lock_tools": list(TOOLS.get(deps.tool or "", ())),
        },
        "server": to_json(server),
        "added": server_requirements(server.server.name, deps.names, deps.hashed) if server and server.added else [],
        "collectstatic": {"build_env": build_env} if facts.collectstatic else None,
        "import_check": facts.import_check,
        "stdlib_imports": list(facts.framework_imports),
        "native": to_json(facts.native),
    }


def _run(facts: AppFacts) -> dict[str, Any]:
    service = contract(facts, STANDARD_UID)
    return {
        "command": list(facts.command),
        "server": facts.server.server.name if facts.server else None,
        "port": facts.port,
        "health_path": facts.health_path,
        "user": {"standard": STANDARD_UID, "distroless": DISTROLESS_UID},
        "graceful_s": service.graceful_s,
        "stop_signal": service.stop_signal,
        "data_path": service.data_path,
        "writable": [{**to_json(path), "data": data_target(path)} for path in facts.writable],
        "setup": {"command": list(facts.setup), "scope": facts.setup_scope} if facts.setup else None,
        "setup_suggestions": to_json(facts.setup_suggestions),
        "copies": list(facts.copies),
        "left_out": list(facts.left_out),
    }


def plan(facts: AppFacts) -> dict[str, Any]:
    """The plan of the app `facts` describes, as JSON data (keys in `plan.schema.json`)."""
    return {
        "schema": SCHEMA,
        "name": facts.name,
        "found": _found(facts),
        "install": _install(facts),
        "run": _run(facts),
        "warnings": list(facts.warnings),
        "todo": list(facts.todo),
        "notes": list(facts.notes),
    }


def plan_text(facts: AppFacts) -> str:
    """The plan as `--plan` prints it: indented JSON, ASCII only (no escape sequence from the app reaches a
    terminal), keys in the schema's order, a newline at the end."""
    return json.dumps(plan(facts), indent=2) + "\n"


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) every plan validates against."""
    loaded: dict[str, Any] = json.loads((files("dockwise.pyapp") / "plan.schema.json").read_text(encoding="utf-8"))
    return loaded
