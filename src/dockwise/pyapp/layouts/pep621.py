"""pyproject.toml's [project].dependencies (PEP 621), read in the build with tomllib from the mounted file alone,
so a code change reuses the dependency layer. A project its backend cannot build (see `project.py`) gets its
dependencies only and its code copied; one whose dependencies are dynamic gets them with the project itself.
"""

from __future__ import annotations

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.layouts import Dependencies, Layout, LayoutContext
from dockwise.pyapp.wheels import Pin, valid_pins

LAYOUT = Layout("pyproject", ("pyproject.toml",))


def detect(context: LayoutContext) -> Dependencies | None:
    project = context.project
    if (
        project is None
        or project.file != "pyproject.toml"
        or not (project.dependencies or project.packaged or project.dynamic_dependencies)
    ):
        return None
    requirements = [Requirement(r) for r in project.dependencies]
    notes = []
    if project.dynamic_dependencies:
        notes.append(
            "pyproject.toml declares its dependencies dynamic: they are installed with the project "
            "itself, so a code change reinstalls them (no separate dependency layer)"
        )
    return Dependencies(
        "pyproject",
        ("pyproject.toml",),
        frozenset(canonicalize_name(r.name) for r in requirements),
        hashed=False,
        pinned=bool(requirements)
        and all(any(s.operator in ("==", "===") and "*" not in s.version for s in r.specifier) for r in requirements),
        evidence=Evidence("pyproject.toml", project.evidence("dependencies").line, f"{len(requirements)} dependencies"),
        notes=tuple(notes),
        install="pyproject",
        pins=valid_pins(
            Pin(canonicalize_name(r.name), s.version, project.evidence(line), str(r.marker) if r.marker else None)
            for line in project.dependencies
            for r in [Requirement(line)]
            for s in r.specifier
            if s.operator in ("==", "===")
        ),
    )
