"""A pip requirements file at the app's root (`requirements.txt`), with everything its -r/-c lines include.

Anti-pattern: `pip install -r requirements.txt` with `-r requirements-dev.txt` inside it installs pytest in the
image. Best practice: the includes named for development are skipped (and said), the rest installed by pip -r.
"""

from __future__ import annotations

from pathlib import Path

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.layouts import Dependencies, Layout, LayoutContext
from dockwise.pyapp.requirements import Closure, closure
from dockwise.pyapp.requirements import _include_path as include_target
from dockwise.pyapp.wheels import Pin, valid_pins

LAYOUT = Layout("requirements", ("requirements.txt",))


def detect(context: LayoutContext) -> Dependencies | None:
    if not context.has("requirements.txt"):
        return None
    return from_requirements(context.root, ["requirements.txt"], chosen=False)


def from_requirements(root: Path, roots: list[str], chosen: bool) -> Dependencies:
    """pip -r `roots`: the files they include are read (dev-named ones skipped unless the user chose the files)."""
    found: Closure = closure(root, roots, skip_dev_includes=not chosen)
    requirements = found.requirements
    notes = [
        f"{line.evidence.where()}: skipped -r {line.target}: {why} (pass --deps to choose the files)"
        for line, why in found.skipped
    ]
    urls = [line for line in requirements if line.kind == "url"]
    if found.hashed and urls:
        raise DockwiseError(
            f"{urls[0].evidence.where()}: a direct URL or VCS requirement in a hash-pinned set",
            "pip cannot verify it with --require-hashes; pin a released version instead",
            exit_code=EXIT_USAGE,
        )
    pip_roots = list(roots)
    if found.skipped:
        # pip must not see the skipped -r lines: give it the root's other includes instead of the root itself.
        root_file = found.files[0]
        if any(line.kind in ("requirement", "url", "local", "constraint") for line in root_file.lines):
            line = found.skipped[0][0]
            raise DockwiseError(
                f"{line.evidence.where()} includes development requirements next to the app's own",
                "pass --deps with the files to install",
                exit_code=EXIT_USAGE,
            )
        skipped = {line.evidence for line, _ in found.skipped}
        pip_roots = [
            include_target(root_file.path, line.target or "", root)
            for line in root_file.lines
            if line.kind == "include" and line.evidence not in skipped
        ]
    return Dependencies(
        kind="requirements",
        files=tuple(f.path for f in found.files),
        names=found.names,
        hashed=found.hashed,
        pinned=all(line.pinned for line in requirements if line.kind == "requirement"),
        evidence=Evidence(
            roots[0], None, f"{len(requirements)} requirements" + (", hash-pinned" if found.hashed else "")
        ),
        notes=tuple(notes),
        local_lines=tuple(line.evidence for line in found.local_lines),
        requirement_roots=tuple(pip_roots),
        pins=valid_pins(
            Pin(line.name, line.version, line.evidence, line.marker)
            for line in requirements
            if line.kind == "requirement" and line.name and line.version and line.pinned
        ),
    )
