"""Everything `dockwise init` decides about an app, each decision with its evidence (or the flag that made it): the
pipeline of stages in pyapp/stages/, and the facts it hands the renderers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dockwise.pyapp.entry import Candidate
from dockwise.pyapp.frameworks import by_name
from dockwise.pyapp.grammar import image_name
from dockwise.pyapp.layouts import Dependencies
from dockwise.pyapp.layouts.project import Project
from dockwise.pyapp.native import NativeBuild
from dockwise.pyapp.pyversion import PythonChoice
from dockwise.pyapp.runtime import SetupStep, WritablePath
from dockwise.pyapp.server import ServerChoice
from dockwise.pyapp.stages.copies import plan_copies
from dockwise.pyapp.stages.health import plan_health
from dockwise.pyapp.stages.install import add_included_extras, plan_install
from dockwise.pyapp.stages.log import Decision, Log
from dockwise.pyapp.stages.serve import find_entry, plan_serving
from dockwise.pyapp.stages.source import project_named, read_source
from dockwise.pyapp.stages.writes import plan_writes
from dockwise.pyapp.wheels import IndexReader
from dockwise.service.setup_once import SetupScope


@dataclass(frozen=True)
class InitOptions:
    python: str | None = None
    port: int | None = None
    cmd: str | None = None
    app: str | None = None
    server: str | None = None
    health_path: str | None = None
    setup: str | None = None
    deps: tuple[str, ...] = ()


@dataclass(frozen=True)
class AppFacts:
    root: Path
    name: str
    project: Project | None
    deps: Dependencies
    python: PythonChoice
    candidate: Candidate | None
    framework: str
    interface: str
    server: ServerChoice | None
    command: tuple[str, ...]
    port: int
    health_path: str
    writable: tuple[WritablePath, ...]
    setup: tuple[str, ...]  # argv run once before the server starts (--setup), in a one-shot container
    setup_suggestions: tuple[SetupStep, ...]
    copies: tuple[str, ...]  # top-level paths copied into /app
    left_out: tuple[str, ...]  # top-level paths not copied
    collectstatic: bool
    build_env: tuple[str, ...]  # variables the settings need to import at build time (dummies)
    django_settings: str | None
    import_check: str | None  # module the build checks is importable
    framework_imports: tuple[str, ...]
    native: NativeBuild  # what the builder compiles (pins with no wheel for the chosen Python)
    decisions: tuple[Decision, ...]
    warnings: tuple[str, ...]
    todo: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())
    # "release": `setup` runs once per release and data volume; "volume": it destroys data, so once per volume, ever.
    setup_scope: SetupScope = "release"
    stop_signal: str = "SIGTERM"  # what docker stop sends the server (STOPSIGNAL when not SIGTERM)

    @property
    def packaged(self) -> bool:
        return bool(self.project and self.project.packaged) or bool(self.deps.local_lines)


def detect(root: Path, options: InitOptions = InitOptions(), index: IndexReader | None = None) -> AppFacts:
    """The app's facts and init's decisions, stage by stage (pyapp/stages/). `index` lists the package index's files
    (the wheel check); None (`--offline`) skips that check."""
    log = Log()
    source = read_source(root)
    install = plan_install(source, options, index, log)
    entry = find_entry(source, install, options, log)
    install = add_included_extras(source, install, entry.candidate, log)
    serving = plan_serving(source, install, entry, options, log)
    health_path = plan_health(source, serving, options, log)
    writes = plan_writes(source, install, serving, options, log)
    copies = plan_copies(source, install, serving, writes, log)
    project, candidate = install.project, serving.candidate
    provider = by_name(serving.framework)
    return AppFacts(
        root=source.root,
        name=(project.name if project and project.name and project_named(project) else image_name(source.root.name)),
        project=project,
        deps=install.deps,
        python=install.python,
        candidate=candidate,
        framework=serving.framework,
        interface=serving.interface,
        server=serving.server,
        command=tuple(serving.argv),
        port=serving.port,
        health_path=health_path,
        writable=tuple(writes.writable),
        setup=writes.setup,
        setup_scope=writes.setup_scope,
        setup_suggestions=tuple(writes.suggestions),
        copies=tuple(copies.copies),
        left_out=tuple(copies.left_out),
        collectstatic=writes.collectstatic,
        build_env=writes.build_env,
        django_settings=writes.django_settings,
        import_check=copies.import_check,
        framework_imports=provider.imports if provider else (),
        decisions=tuple(log.decisions),
        warnings=tuple(log.warnings),
        todo=tuple(log.todo),
        notes=tuple(log.notes),
        stop_signal=serving.stop[0] if serving.stop else "SIGTERM",
        native=install.native,
    )
