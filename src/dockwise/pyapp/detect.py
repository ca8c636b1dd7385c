"""Everything `dockwise init` decides about an app, each decision with its evidence (or the flag that made it)."""

from __future__ import annotations

import posixpath
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from dockwise.core.devserver import dev_server_reason
from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp import django as django_reader
from dockwise.pyapp.destroys import destroys, destroys_command
from dockwise.pyapp.entry import (
    Candidate,
    find_candidates,
    loopback_defaults,
    main_block_candidates,
    main_only_apps,
    paste_candidates,
    port_hints,
)
from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.frameworks import by_name
from dockwise.pyapp.grammar import (
    image_name,
    is_absolute_path,
    is_app_path,
    is_attribute_path,
    is_env_name,
    is_module_path,
    is_url_path,
    one_line,
    port_number,
    shell_words,
)
from dockwise.pyapp.health import choose_health
from dockwise.pyapp.layouts import Dependencies, LayoutContext, detect_dependencies, with_added
from dockwise.pyapp.layouts.install_requires import requirement
from dockwise.pyapp.layouts.project import Project, read_project
from dockwise.pyapp.native import NativeBuild, native_build, uncompilable
from dockwise.pyapp.native import warnings as native_warnings
from dockwise.pyapp.paste import included_extras
from dockwise.pyapp.procfile import read_procfile
from dockwise.pyapp.pyast import entry_path, on_path
from dockwise.pyapp.pyversion import PythonChoice, choose_python, prefer_supported, prefer_wheels
from dockwise.pyapp.runtime import (
    DATA_DIR,
    TMPFS_DIR,
    SetupStep,
    WritablePath,
    config_file_writes,
    console_script_steps,
    flask_cli_steps,
    how_often,
    in_image,
    readme_steps,
    script_steps,
    site_packages,
    writable_paths,
    writable_place,
)
from dockwise.pyapp.scan import (
    NOT_SERVED_DIRS,
    SKIPPED_DIRS,
    Module,
    Unparsed,
    is_app_file,
    module_name,
    parse_module,
    read_app_file,
    served_modules,
    walk_files,
)
from dockwise.pyapp.selfserve import SelfServing, find_self_serving, served_factories, serves_on_import
from dockwise.pyapp.server import (
    SERVERS,
    ServerChoice,
    adapt_procfile,
    app_script_reader,
    bound_port,
    choose_server,
    command,
)
from dockwise.pyapp.server_flags import fit_to_version, stop_signal
from dockwise.pyapp.shims import MAIN_MODULE
from dockwise.pyapp.wheels import IndexReader, check_wheels
from dockwise.service.setup_once import SetupScope

DEFAULT_PORT = 8000
# Top-level files never needed at run time (dependency files are bind-mounted into the build, not copied).
NOT_RUNTIME = (
    "Dockerfile",
    "Dockerfile.distroless",
    ".dockerignore",
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
    "Procfile",
    "Makefile",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "Pipfile",
    "Pipfile.lock",
    "poetry.lock",
    "uv.lock",
    "pdm.lock",
    "runtime.txt",
    ".python-version",
    "tox.ini",
    "app.json",
    "azure.yaml",
    "startup.sh",
    "MANIFEST.in",
)
NOT_RUNTIME_SUFFIXES = (
    ".md",
    ".rst",
    ".txt",
    ".lock",
    ".sqlite",
    ".sqlite3",
    ".db",
    ".log",
    ".env",
    ".pem",
    ".key",
    ".sh",
    ".toml",
    ".cfg",
    ".ini",
    ".yml",
    ".yaml",
    ".sample",
)
DATA_DIRS = frozenset({"templates", "static", "locale", "assets", "public"})
# Named by the code or not, never copied: secrets (pass them at run time) and what the app writes or locks.
SECRET_SUFFIXES = (".env", ".pem", ".key")
WRITTEN_SUFFIXES = (".sqlite", ".sqlite3", ".db", ".log", ".lock", *SECRET_SUFFIXES)
# Config files the code names: copied, and read for the SQLite URLs they hold.
CONFIG_SUFFIXES = (".yml", ".yaml", ".ini", ".toml", ".cfg", ".json", ".conf")


SLOW_CLIENTS_WARNING = (
    "gunicorn's threads wait for each client's headers and body: 200 clients sending slowly held all 2 x 4 threads "
    "of a gunicorn gthread service and a normal request got no answer (docs/benchmarks/bench-servers.md in dockwise); "
    "`--server granian` keeps connections and headers out of Python (pass --server gunicorn to keep it quietly)"
)


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
class Decision:
    """One line of the summary: what was decided, and why; `source` is the place in the app it rests on (None when
    a flag or a default decided)."""

    topic: str
    value: str
    evidence: str
    source: Evidence | None = None


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


# setup.py keywords dockwise uses (install_requires has its own warning; packages are setuptools' business).
_READ_SETUP_KEYWORDS = ("name", "python_requires", "extras_require", "entry_points", "classifiers", "**")


def project_named(project: Project) -> bool:
    """The project names the image: pyproject.toml's always, setup.py's when the image installs it."""
    return project.file == "pyproject.toml" or project.packaged


def _check_dir(root: Path) -> list[str]:
    if not root.is_dir():
        raise DockwiseError(f"{root} is not a directory", "pass the app's directory", exit_code=EXIT_USAGE)
    files = walk_files(root)
    if not files:
        raise DockwiseError(f"{root} is empty", "pass the directory that holds the app's code", exit_code=EXIT_USAGE)
    return files


def _target_candidate(target: str, candidates: list[Candidate]) -> Candidate | None:
    clean = target.rstrip("()").strip("'\"")
    return next((c for c in candidates if f"{c.module}:{c.attribute}" == clean), None)


def _parse_app_flag(value: str, root: Path, candidates: list[Candidate], server_flag: str | None) -> Candidate:
    module, sep, attribute = value.partition(":")
    if not sep or not module or not attribute:
        raise DockwiseError(
            f"--app {value}: expected MODULE:NAME (or MODULE:FACTORY())", "e.g. --app app:app", exit_code=EXIT_USAGE
        )
    found = _target_candidate(value, candidates)
    if found:
        return found
    if not is_module_path(module) or not is_attribute_path(attribute.removesuffix("()")):
        raise DockwiseError(
            f"--app {value!r}: expected MODULE:NAME (Python identifiers)", "e.g. --app app:app", exit_code=EXIT_USAGE
        )
    path = PurePosixPath(*module.split("."))
    if not (
        is_app_file(root, path.with_suffix(".py").as_posix()) or is_app_file(root, (path / "__init__.py").as_posix())
    ):
        raise DockwiseError(
            f"--app {value}: no module {module} in the app",
            "name a module relative to the app root",
            exit_code=EXIT_USAGE,
        )
    interface = "asgi" if server_flag in ("uvicorn", "daphne") else "wsgi"
    return Candidate(
        module, attribute.rstrip("()"), attribute.endswith("()"), interface, interface, Evidence("--app", None, value)
    )


def _manage_py(files: list[str]) -> str | None:
    return "manage.py" if "manage.py" in files else None


def detect(root: Path, options: InitOptions = InitOptions(), index: IndexReader | None = None) -> AppFacts:
    """The app's facts and init's decisions. `index` lists the package index's files (the wheel check); None
    (`--offline`) skips that check."""
    root = root.resolve()
    files = _check_dir(root)
    decisions: list[Decision] = []
    warnings: list[str] = []
    todo: list[str] = []
    notes: list[str] = []
    modules, unparsed = served_modules(root, files)
    project = read_project(root)
    newer = [m.newer for m in modules if m.newer is not None]
    python = choose_python(root, project, options.python, max(newer, key=lambda n: n.version, default=None))
    deps = detect_dependencies(
        LayoutContext(root, tuple(files), project, python.version, tuple(modules)), list(options.deps)
    )
    notes += deps.notes
    if project and (unread := [k for k in project.unread if k in _READ_SETUP_KEYWORDS]):
        notes.append(
            f"setup.py computes {', '.join('**options' if k == '**' else k for k in unread)} when it runs, and "
            "dockwise never runs the app's code on this machine: "
            + ("not read" if len(unread) > 1 else "it is not read")
            + " (write it as a literal for dockwise to use it)"
        )
    if project and project.file == "setup.py" and project.packaged and deps.kind != "setup.py" and not deps.local_lines:
        # The requirements file (or lock) that won is what the image installs; it does not name the project itself.
        project = replace(
            project,
            packaged=False,
            not_packaged_because=f"{deps.evidence.file} is what the image installs, and it has no `-e .` line",
        )
    elif project and project.not_packaged_because:
        notes.append(
            f"{project.file} is an app, not a package ({project.not_packaged_because}): dockwise installs its "
            "dependencies and copies its code instead of building it as a wheel"
        )
    if not modules and deps.kind == "none":
        raise DockwiseError(
            f"no Python web app in {root}: no Python files and no dependency file",
            "run dockwise init on the app's directory",
            exit_code=EXIT_USAGE,
        )
    warnings += python.warnings + deps.warnings
    todo += deps.todo
    chosen_first = python.version
    python = prefer_supported(python, deps.pins)
    report = check_wheels(deps.pins, python.candidates or (python.version,), index)
    python = prefer_wheels(python, report)
    native = native_build(report, python.version)
    _refuse_uncompilable(native, python)
    if python.version != chosen_first:  # the layouts evaluate markers for the target Python: read them again
        deps = detect_dependencies(
            LayoutContext(root, tuple(files), project, python.version, tuple(modules)), list(options.deps)
        )
    reasons = "; ".join(r for r in (python.support, python.wheels) if r)
    python_evidence = str(python.evidence) if python.evidence else "no pin or constraint in the app"
    if reasons:
        python_evidence = f"{python_evidence}; {reasons}" if python.evidence else f"no pin: {reasons}"
    elif not python.evidence:
        python_evidence += ": dockwise's default"
    decisions.append(Decision("python", python.version, python_evidence, python.evidence))
    decisions.append(Decision("dependencies", _deps_value(deps), str(deps.evidence), deps.evidence))
    if native.compiled:
        decisions.append(_native_decision(native, report.checked))
    warnings += native_warnings(native)
    if not report.checked and deps.pins:
        notes.append(
            "--offline: the package index was not read, so the Python version is not checked against the pins' "
            "wheels and only sdists that never ship Linux wheels get build packages; without --offline, init "
            "reads PyPI's simple index (a few seconds, cached for a day)"
        )
    elif unknown := report.unknown(python.version):
        notes.append(
            f"the index did not answer for {', '.join(str(p.pin) for p in unknown[:5])}"
            + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
            + ": their wheels were not checked"
        )

    candidates = find_candidates(modules) + paste_candidates(root, files, project, deps, modules)
    procfile = read_procfile(root)
    django = None
    manage = _manage_py(files)
    if manage and _is_django(root, manage):
        django = django_reader.read_project(root, parse_module(root, manage))

    candidate: Candidate | None = None
    argv: list[str] | None = None
    server: ServerChoice | None = None
    port_hint = next((h for m in modules for h in port_hints(m)), None)
    port, port_evidence = _port(options.port, port_hint, procfile)
    port_source = port_hint.evidence if port_hint and options.port is None else None
    cmd_argv = _split_flag("--cmd", options.cmd) if options.cmd else None
    if procfile and procfile.web and procfile.web.shell_only is None:
        port_default = procfile.web.port_default
        if options.port is None and port_default:
            port, port_evidence, port_source = port_default, str(procfile.web.evidence), procfile.web.evidence
    # A port the server command itself binds is the one it listens on: the image EXPOSEs that one.
    bound = None
    if cmd_argv:
        bound = _literal_port(cmd_argv, "--cmd")
    elif procfile and procfile.web and procfile.web.shell_only is None and not options.app:
        bound = _literal_port(list(procfile.web.argv), procfile.web.evidence.where())
    if bound and options.port is None:
        port, port_evidence = bound[0], bound[1]
        port_source = None if cmd_argv else procfile.web.evidence if procfile and procfile.web else None

    if options.app:
        candidate = _parse_app_flag(options.app, root, candidates, options.server)
        decisions.append(Decision("app", candidate.target, "--app"))
    if cmd_argv is not None:
        argv = cmd_argv
        if not argv:
            raise DockwiseError(
                "--cmd is empty", "pass the server command, e.g. --cmd 'gunicorn app:app'", exit_code=EXIT_USAGE
            )
        if reason := dev_server_reason(argv, app_script_reader(root)):
            raise DockwiseError(
                f"--cmd {options.cmd!r}: {reason}", "use a production server (gunicorn, uvicorn)", exit_code=EXIT_USAGE
            )
        decisions.append(Decision("command", shell_words(argv), "--cmd"))
        program = PurePosixPath(argv[0]).name
        known = next((s for s in SERVERS.values() if s.script == program), None)
        if known:
            server = ServerChoice(known, known.name not in deps.names, "--cmd")
        candidate = candidate or _target_candidate(next((w for w in argv if ":" in w), ""), candidates)
        argv, changes = adapt_procfile(tuple(argv), known, port, add_bind=False)
        warnings += [f"--cmd: {change}" for change in changes]
    elif procfile and procfile.web and not options.app:
        web = procfile.web
        reason = web.shell_only or dev_server_reason(web.argv, app_script_reader(root))
        if reason:
            warnings.append(
                f"{web.evidence.where()}: the web command is not used: {reason}; "
                "dockwise runs an exec-form command without a shell (pass --cmd to choose one)"
            )
        elif (chosen := SERVERS.get(options.server or "")) is not None and chosen.script != PurePosixPath(
            web.argv[0]
        ).name:
            # --server replaces the Procfile's server; the app it names is still the one to serve.
            candidate = _target_candidate(next((w for w in web.argv if ":" in w), ""), candidates)
            if candidate is not None:
                decisions.append(Decision("app", candidate.target, f"{web.evidence} (its server replaced by --server)"))
        else:
            program = PurePosixPath(web.argv[0]).name
            server = (
                choose_server("wsgi", deps.names, options.server, program)
                if any(s.script == program for s in SERVERS.values())
                else None
            )
            argv, changes = adapt_procfile(web.argv, server.server if server else None, port)
            warnings += [f"{web.evidence.where()}: {change}" for change in changes]
            candidate = _target_candidate(next((w for w in web.argv if ":" in w), ""), candidates)
            decisions.append(
                Decision("command", shell_words(argv), f"{web.evidence} (a Procfile web: line wins)", web.evidence)
            )
    serving: SelfServing | None = None
    if argv is None and candidate is None:
        servable, unservable = _servable(candidates, modules)
        notes += unservable
        if not servable and not (django is not None and django.application) and not main_block_candidates(modules):
            serving = find_self_serving(root, modules, options.port)
        if serving is None:
            candidate = _choose_candidate(servable, django, root, unparsed, modules)
            decisions.append(Decision("app", candidate.target, candidate.describe(), candidate.evidence))
        else:
            argv = list(serving.argv)
            port, port_evidence, port_source = serving.port, serving.port_evidence, serving.call
            decisions += _self_serving_decisions(serving)
            warnings += _self_serving_warnings(serving)
    entry = candidate.module if candidate is not None else (serving.module if serving is not None else None)
    notes += _skipped(unparsed, entry, modules)
    if candidate is not None and candidate.paste:
        deps = _included_extras(root, candidate.paste, project, deps, modules, decisions, warnings, todo)
    if candidate is not None:
        _check_candidate(candidate)
        if loopback := loopback_defaults(candidate, modules):
            raise DockwiseError(
                f"{one_line(str(loopback[0]))}: the server calls {candidate.target} with no arguments, so the app "
                "connects to a service on the container's own loopback, where none runs",
                "read the host from the environment (and run the service beside the container), or pass --app",
                exit_code=EXIT_USAGE,
            )
    framework = candidate.framework if candidate else (server.server.name if server else "unknown")
    framework = serving.framework if serving else framework
    interface = candidate.interface if candidate else ("self" if serving else "wsgi")
    if argv is None:
        assert candidate is not None
        server = (
            _paste_server(candidate, deps, options.server)
            if candidate.paste
            else choose_server(interface, deps.names, options.server, None)
        )
        if server.server.name == "gunicorn" and "." in candidate.attribute:
            raise DockwiseError(
                f"{candidate.evidence.where()}: gunicorn cannot serve {candidate.target} (it takes one name after "
                "MODULE:, not an attribute path)",
                "pass --server granian",
                exit_code=EXIT_USAGE,
            )
        provider = by_name(candidate.framework)
        worker = provider.gunicorn_worker if provider and server.server.name == "gunicorn" else None
        factory = candidate.factory and not (worker and candidate.awaitable)  # the worker awaits an async factory
        argv = command(server.server, candidate.target.rstrip("()"), factory, interface, port, candidate.paste, worker)
        pin = next((p for p in deps.pins if p.name == server.server.name), None)
        if pin is not None and not server.added:
            argv, dropped = fit_to_version(argv, server.server, f"=={pin.version}", pin.evidence.where())
            notes += dropped
        decisions.append(
            Decision(
                "server", server.server.name + (" (added at a pinned version)" if server.added else ""), server.reason
            )
        )
        decisions.append(Decision("command", shell_words(argv), f"{server.server.name} serving {candidate.target}"))
    elif server is not None:
        decisions.append(
            Decision(
                "server", server.server.name + (" (added at a pinned version)" if server.added else ""), server.reason
            )
        )
    decisions.append(Decision("port", str(port), port_evidence, port_source))
    stop = stop_signal(argv)
    if stop is not None:
        decisions.append(Decision("stop signal", stop[0], stop[1]))
    if (
        server is not None
        and server.server.name == "gunicorn"
        and server.reason != "--server"
        and interface != "aiohttp"
    ):
        warnings.append(SLOW_CLIENTS_WARNING)

    health_source: Evidence | None = None
    if options.health_path:
        health_path, health_evidence = options.health_path, "--health-path"
    else:
        health = choose_health(modules, candidate, django is not None)
        health_path, health_evidence, health_source = health.path, health.why, health.source
        if not health.certain:
            todo.append(
                "the health check asks GET / but the app routes no / and no health route dockwise can see: pass "
                "--health-path with a GET route that answers 200 (e.g. --health-path /items), or the container "
                "shows unhealthy and a readiness probe never passes"
            )
    if not is_url_path(health_path):
        raise DockwiseError(
            f"--health-path {health_path!r}: not a URL path (it starts with / and has no space, quote, backslash or $)",
            "e.g. --health-path /healthz",
            exit_code=EXIT_USAGE,
        )
    decisions.append(Decision("health check", f"GET {health_path}", health_evidence, health_source))

    packaged = bool(project and project.packaged) or bool(deps.local_lines)
    writable = writable_paths(candidate, modules, site_packages(python.version) if packaged else None)
    # The config files the code names, and the one the command names (PasteDeploy's .ini), hold SQLite URLs too.
    configs = [] if packaged else named_config_files(root, files, modules)
    configs += [w for w in argv if w.endswith(CONFIG_SUFFIXES) and w not in configs and is_app_file(root, w)]
    writable += config_file_writes(root, configs)
    collectstatic, settings = False, None
    build_env: tuple[str, ...] = ()
    if django is not None:
        settings = django.settings_module
        writable += _django_writable(django)
        decisions.append(
            Decision("django settings", django.settings_module, str(django.settings_evidence), django.settings_evidence)
        )
        for alternative in django.settings_alternatives:
            todo.append(
                f"{django.settings_evidence.where()} can also pick {alternative}: set "
                f"DJANGO_SETTINGS_MODULE={alternative} at run time to use it"
            )
        if django.static_root is not None:
            collectstatic = True
            build_env = tuple(sorted({name for name, _ in django.required_env}))
            decisions.append(
                Decision(
                    "static files",
                    f"collectstatic at build time into {in_image(django.static_root)}",
                    str(django.static_evidence),
                    django.static_evidence,
                )
            )
        else:
            todo.append(
                "Django's STATIC_ROOT is not set, so no collectstatic runs and the server serves no static "
                "files: set STATIC_ROOT and serve them (e.g. whitenoise)"
            )
        for name, evidence in django.required_env:
            if not is_env_name(name):
                raise DockwiseError(
                    f"{evidence.where()} reads the environment variable {name!r}, which no shell can set",
                    "name it with letters, digits and _",
                    exit_code=EXIT_USAGE,
                )
            todo.append(f"set {name} at run time ({evidence.where()} reads os.environ[{name!r}])")
    writable, on_tmpfs = _placed(writable)
    notes += [
        f"{path.evidence.where()}: {path.path} is on the container's in-memory {TMPFS_DIR} (writable, emptied at "
        "every start; the app must create it)"
        for path in on_tmpfs
    ]
    for path in writable:
        decisions.append(
            Decision("writable", f"{path.path} -> {data_target(path)}", f"{path.evidence} ({path.why})", path.evidence)
        )

    # A console script is on PATH only when the project is installed.
    scripts = project.scripts if project is not None and project.packaged else ()
    suggestions = _setup_suggestions(root, files, candidate, modules, django, procfile, scripts)
    setup: tuple[str, ...] = ()
    setup_scope: SetupScope = "release"
    if options.setup:
        setup = tuple(_split_flag("--setup", options.setup))
        if not setup:
            raise DockwiseError(
                "--setup is empty", "pass the command, e.g. --setup 'flask --app app init-db'", exit_code=EXIT_USAGE
            )
        destruction = destroys(setup, root, files, modules, scripts)
        setup_scope = "volume" if destruction else "release"
        decisions.append(Decision("setup", shell_words(setup), f"--setup: {how_often(setup_scope, destruction)}"))
        if destruction and not writable:
            warnings.append(
                f"--setup {shell_words(setup)}: {destruction}, and the app writes nowhere dockwise found, so there is "
                "no data volume to record that it ran: the one-shot container refuses to run it"
            )
    for step in suggestions:
        if not setup:
            todo.append(
                f"set the app up: `{step.command}` ({step.why}, {step.evidence.where()}); to have it run once per "
                + ("data volume, ever (" + str(step.destroys) + ")" if step.destroys else "release and data volume")
                + f": dockwise init --force --setup {shlex.quote(step.command)}"
            )
    if not deps.pinned and not deps.todo:
        todo.append(
            f"pin the dependencies ({deps.evidence.where()} has unpinned requirements): builds differ over "
            "time; a hash-pinned lock (pip-compile --generate-hashes, uv lock) is installed with --require-hashes"
        )
    if writable:
        todo.append(
            "mount a volume at /data for what the app writes (compose.yaml does); without one, data lasts as "
            "long as the container, and a read-only container cannot write at all"
        )
    copies, left_out, secrets = _copies(root, files, modules, procfile, argv, packaged, writable, django)
    notes += secrets
    for entry in copies:
        if not is_app_path(entry.rstrip("/")):
            raise DockwiseError(
                f"{entry!r} is needed in the image but its name cannot be used in a Dockerfile COPY safely (a space, "
                "quote, $, comma, = or leading dash)",
                "rename it to letters, digits and . _ -",
                exit_code=EXIT_USAGE,
            )
    if candidate is not None and candidate.main_script:
        copies.append(f"{MAIN_MODULE}.py")
    if left_out:
        notes.append("not copied into the image: " + ", ".join(left_out) + " (add a COPY line if the app needs them)")
    import_check = candidate.module if candidate and candidate.evidence.file != "--app" else None
    import_check = serving.module if serving else import_check
    provider = by_name(framework)
    imports = provider.imports if provider else ()
    return AppFacts(
        root=root,
        name=(project.name if project and project.name and project_named(project) else image_name(root.name)),
        project=project,
        deps=deps,
        python=python,
        candidate=candidate,
        framework=framework,
        interface=interface,
        server=server,
        command=tuple(argv),
        port=port,
        health_path=health_path,
        writable=tuple(writable),
        setup=setup,
        setup_scope=setup_scope,
        setup_suggestions=tuple(suggestions),
        copies=tuple(copies),
        left_out=tuple(left_out),
        collectstatic=collectstatic,
        build_env=build_env,
        django_settings=settings,
        import_check=import_check,
        framework_imports=imports,
        decisions=tuple(decisions),
        warnings=tuple(warnings),
        todo=tuple(todo),
        notes=tuple(notes),
        stop_signal=stop[0] if stop else "SIGTERM",
        native=native,
    )


def _native_decision(native: NativeBuild, checked: bool) -> Decision:
    names = ", ".join(str(p.pin) for p in native.compiled)
    runtime = ", ".join(native.runtime_packages) or "none"
    why = (
        f"no wheel for Python {native.python} on the index"
        if checked
        else "never published as a Linux wheel (--offline: the index was not read)"
    )
    return Decision(
        "compiled",
        f"{names}: builder gets {', '.join(native.build_packages)} and Python's headers; runtime libraries: {runtime}",
        f"{why} ({', '.join(p.pin.evidence.where() for p in native.compiled[:3])})",
        native.compiled[0].pin.evidence,
    )


def _split_flag(flag: str, value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError as exc:
        raise DockwiseError(
            f"{flag} {value!r}: {exc} (it is split like a shell command line)",
            "balance the quotes, or quote the whole value once",
            exit_code=EXIT_USAGE,
        ) from None


def _literal_port(argv: list[str], where: str) -> tuple[int, str] | None:
    """The literal port a server command binds (`--bind 0.0.0.0:5000`), refused when it is not a TCP port."""
    program = PurePosixPath(argv[0]).name if argv else ""
    server = next((s for s in SERVERS.values() if s.script == program), None)
    text = bound_port(argv, server)
    if text is None or "$" in text:
        return None
    port = port_number(text)
    if port is None:
        raise DockwiseError(
            f"{where}: the server binds port {text[:20]!r}, which is not a TCP port",
            "use a port from 1 to 65535",
            exit_code=EXIT_USAGE,
        )
    return port, f"{where} (the server command binds it)"


def _check_candidate(candidate: Candidate) -> None:
    if not is_module_path(candidate.module) or not is_attribute_path(candidate.attribute):
        raise DockwiseError(
            f"{candidate.evidence.where()}: the app {candidate.module}:{candidate.attribute} is not an importable "
            "MODULE:NAME (Python identifiers joined by dots)",
            "rename the file or package to a Python identifier, or pass --app",
            exit_code=EXIT_USAGE,
        )


def _included_extras(root, config, project, deps, modules, decisions, warnings, todo) -> Dependencies:
    """The served .ini includes a module only an extra of the project provides (pyramid_debugtoolbar, in `dev`):
    that requirement is installed, so the app starts, with a warning (a development config is being served) and a
    to-do (serve a production one)."""
    for included in included_extras(root, config, project, deps, modules):
        where = included.evidence.where()
        if deps.hashed:
            raise DockwiseError(
                f"{where}: pyramid.includes names {included.module}, which the app's hash-pinned dependencies do not "
                f"install (only the project's {included.extra!r} extra names it)",
                "lock it with the dependencies, or serve an .ini without it (a production.ini)",
                exit_code=EXIT_USAGE,
            )
        line = requirement(project, included.requirement)
        deps = with_added(deps, (line,))
        decisions.append(
            Decision(
                "extra",
                f"{line} (the project's {included.extra!r} extra)",
                f"{where} includes {included.module}, which only that extra installs",
                included.evidence,
            )
        )
        others = [r for r in project.extras.get(included.extra, ()) if r != included.requirement]
        warnings.append(
            f"{where}: pyramid.includes names {included.module}, which only the project's {included.extra!r} extra "
            f"provides: dockwise installs {line} so the app starts, but {config} is a development config (a "
            "development add-on in a production image)"
            + (f"; the extra's other requirements ({', '.join(others[:4])}) are left out" if others else "")
        )
        todo.append(
            f"serve a production config: an .ini without {included.module} in pyramid.includes (Pyramid's "
            "cookiecutters ship production.ini, which dockwise serves when there is one), then run init again"
        )
    return deps


def _paste_server(candidate: Candidate, deps: Dependencies, flag: str | None) -> ServerChoice:
    """gunicorn, the server that loads a PasteDeploy .ini itself (`--paste`)."""
    if flag not in (None, "gunicorn"):
        raise DockwiseError(
            f"--server {flag} cannot load the PasteDeploy app {candidate.paste} names (gunicorn --paste does)",
            "drop --server, or pass --app MODULE:NAME of an app the code builds",
            exit_code=EXIT_USAGE,
        )
    return ServerChoice(
        SERVERS["gunicorn"],
        "gunicorn" not in deps.names,
        f"{candidate.paste} is a PasteDeploy config: gunicorn --paste loads the app with its settings and logging "
        "(its [server:main] is not used)",
    )


def _placed(found: list[WritablePath]) -> tuple[list[WritablePath], list[WritablePath]]:
    """The write paths the image makes (normalised, checked), and those on the container's tmpfs. A path whose
    name cannot be a shell word or a COPY path, or that would replace a system directory, is refused."""
    placed: list[WritablePath] = []
    on_tmpfs: list[WritablePath] = []
    for path in found:
        normal = PurePosixPath(posixpath.normpath(str(path.path)))
        where = path.evidence.where()
        if not is_absolute_path(normal):
            raise DockwiseError(
                f"{where}: the write path {str(path.path)!r} cannot be used in a Dockerfile safely (a space, quote, "
                "$, comma, = or control character)",
                "name it with letters, digits and . _ -",
                exit_code=EXIT_USAGE,
            )
        if normal.is_relative_to(TMPFS_DIR):
            on_tmpfs.append(path)
            continue
        if any(p.path == normal for p in placed):
            continue  # found twice (a settings URL and DATABASES): one link
        if not writable_place(normal):
            raise DockwiseError(
                f"{where}: the app writes to {normal}, which the image cannot turn into a link to its data volume "
                "(a directory of the base image, or one at the top of the filesystem)",
                "write under the app folder or a new directory such as /srv/NAME",
                exit_code=EXIT_USAGE,
            )
        placed.append(replace(path, path=normal))
    return placed, on_tmpfs


def _deps_value(deps: Dependencies) -> str:
    kind = {
        "requirements": ", ".join(deps.requirement_roots) or "requirements",
        "pyproject": "pyproject.toml",
        "setup.py": "setup.py's install_requires"
        + (" (computed: installed with the project)" if deps.install == "nothing" else ""),
        "uv": "uv.lock (exported by uv)",
        "poetry": "poetry.lock (exported by Poetry)",
        "poetry-stale-lock": "pyproject.toml's Poetry constraints (poetry.lock is stale)",
        "poetry-constraints": "pyproject.toml's Poetry constraints (no poetry.lock)",
        "pdm": "pdm.lock (default group)",
        "pipenv": "Pipfile.lock",
        "pipfile": "Pipfile's [packages] (no Pipfile.lock)",
        "imports": "inferred from the imports: " + ", ".join(deps.listed),
        "none": "none",
    }[deps.kind]
    mode = "hash-pinned, --require-hashes" if deps.hashed else ("pinned" if deps.pinned else "not pinned")
    return f"{kind} ({mode})"


def _is_django(root: Path, manage: str) -> bool:
    return "DJANGO_SETTINGS_MODULE" in read_app_file(root, manage, errors="replace")


def _servable(candidates: list[Candidate], modules: list[Module]) -> tuple[list[Candidate], list[str]]:
    """The candidates a server can import and serve, and a note for each other one: a Tornado app serves itself,
    a module that starts its server as it is imported cannot be imported by another, and among several factories
    the one the module's own server runs is the app."""
    on_import = serves_on_import(modules)
    servable: list[Candidate] = []
    notes: list[str] = []
    for candidate in candidates:
        if candidate.interface == "self":
            notes.append(f"{candidate.describe()}: a {candidate.framework} app has no WSGI/ASGI form; it serves itself")
        elif candidate.module in on_import:
            notes.append(
                f"{candidate.describe()}: importing {candidate.module} starts its server "
                f"({on_import[candidate.module].where()}), so no server can import it"
            )
        else:
            servable.append(candidate)
    served = [c for c in servable if c.factory and _runs_it(c, modules)]
    if len(servable) > 1 and len(served) == 1:
        notes += [f"{c.describe()}: not the app the module's own server runs" for c in servable if c not in served]
        servable = served
    return servable, notes


def _runs_it(candidate: Candidate, modules: list[Module]) -> bool:
    """The factory is the one the module's own `web.run_app(...)` serves (the app its script runs)."""
    module = next((m for m in modules if m.name == candidate.module), None)
    return module is not None and candidate.attribute in served_factories(module)


def _self_serving_decisions(serving: SelfServing) -> list[Decision]:
    found = [
        Decision(
            "app", f"{serving.path} serves itself", f"{serving.call} ({serving.framework}'s own server)", serving.call
        ),
        Decision(
            "server",
            f"{serving.framework}'s own, in the script",
            "no WSGI/ASGI entry a server can import: the script is run as the command",
            serving.call,
        ),
        Decision(
            "command", shell_words(serving.argv), f"the script {serving.path}, run as python runs it", serving.call
        ),
    ]
    if not serving.stops_on_sigterm:
        found.append(
            Decision(
                "stop",
                "SIGTERM ends the script (exit 0)",
                f"{serving.framework} sets no SIGTERM handler and PID 1 ignores a signal without one: a runner "
                "(python -c, no shell) installs it and runs the script",
                serving.call,
            )
        )
    return found


def _self_serving_warnings(serving: SelfServing) -> list[str]:
    where = serving.call.where()
    found = [
        f"{where}: {serving.framework}'s own server runs the app in one process, with no supervisor to restart a "
        f"crashed worker: not a dedicated production server; {serving.on_stop}"
    ]
    if serving.host_unread:
        found.append(
            f"{where}: the host {one_line(serving.host_unread[:40])!r} is computed at run time: if it is loopback, "
            "the container does not answer from outside (bind 0.0.0.0)"
        )
    return found


def _skipped(unparsed: list[Unparsed], entry: str | None, modules: list[Module]) -> list[str]:
    """Notes for the files no Python dockwise builds reads; one the served app's module `entry` imports (or is) is
    refused instead."""
    reached = entry_path(entry, modules) if entry is not None else set()
    for file in unparsed:
        if on_path(module_name(file.path), reached):
            raise file.error()
    return [file.note() for file in unparsed]


def _choose_candidate(
    candidates: list[Candidate], django, root: Path, unparsed: list[Unparsed], modules: list[Module]
) -> Candidate:
    if django is not None and django.application:
        module, attribute = django.application.split(":")
        chosen = next((c for c in candidates if c.module == module and c.attribute == attribute), None)
        return chosen or Candidate(module, attribute, False, "django", django.interface, django.application_evidence)
    candidates = candidates or main_block_candidates(modules)
    if not candidates and unparsed:
        raise unparsed[0].error()  # the app is likeliest in the file that could not be read
    if not candidates and (main_only := main_only_apps(modules)):
        raise DockwiseError(
            f'{one_line(str(main_only[0]))}: the app is built only under `if __name__ == "__main__":`, so it '
            "exists when the file runs as a script, never when a server imports it",
            "build it at module level (e.g. `app = config.make_wsgi_app()` after the configuration), or pass --cmd",
            exit_code=EXIT_USAGE,
        )
    if not candidates:
        raise DockwiseError(
            f"no web app found in {root}: no Flask, FastAPI, Starlette, Sanic, aiohttp, Django or other WSGI/ASGI "
            "application in its Python files, and no script that starts aiohttp's, Tornado's or uvicorn's own server",
            "pass --app MODULE:NAME (or --cmd)",
            exit_code=EXIT_USAGE,
        )
    if len(candidates) > 1:
        listed = "; ".join(c.describe() for c in candidates[:5])
        raise DockwiseError(
            f"{len(candidates)} candidate apps: {listed}",
            f"pass --app with the one to serve, e.g. --app {candidates[0].target.rstrip('()')}",
            exit_code=EXIT_USAGE,
        )
    return candidates[0]


def _port(flag: int | None, hint, procfile) -> tuple[int, str]:
    if flag is not None:
        if not 0 < flag < 65536:
            raise DockwiseError(f"--port {flag}: not a TCP port", "use 1-65535", exit_code=EXIT_USAGE)
        return flag, "--port"
    if hint is not None:
        extra = f"; the app reads ${hint.reads_env}, which the image sets" if hint.reads_env else ""
        return hint.port, f"{hint.evidence}{extra}"
    return DEFAULT_PORT, "the app names no port: gunicorn's and uvicorn's default"


def _django_writable(django) -> list[WritablePath]:
    found = [
        WritablePath(in_image(path), False, evidence, "Django's SQLite database")
        for path, evidence in django.sqlite_files
    ]
    if django.media_root is not None and str(django.media_root) != "?":
        found.append(
            WritablePath(in_image(django.media_root), True, django.media_evidence, "Django's MEDIA_ROOT (uploads)")
        )
    return found


def _refuse_uncompilable(native: NativeBuild, python: PythonChoice) -> None:
    """A pin that has no wheel for the chosen Python and cannot compile there fails the build after minutes of
    compiler output: say so now, with the release to move to."""
    pins = uncompilable(native)
    if not pins:
        return
    first = pins[0]
    others = f" (and {', '.join(str(p.pin) for p in pins[1:])}, likewise)" if pins[1:] else ""
    tried = " or ".join(python.candidates or (python.version,))
    raise DockwiseError(
        f"{first.pin.evidence.where()}: {first.pin} has no wheel for Python {tried} and cannot be compiled there: its "
        f"C code follows the CPython of its day, and {first.first_with_wheel} is its first release with a "
        f"{native.python} wheel{others}",
        (
            f"require {first.pin.name}>={first.first_with_wheel} and lock again ({first.pin.evidence.file} pins it)"
            if first.pin.evidence.file.endswith(".lock")
            else f"pin {first.pin.name}=={first.first_with_wheel} or later in {first.pin.evidence.file}"
        )
        + ", then run dockwise init again",
        exit_code=EXIT_USAGE,
    )


def data_target(path: WritablePath) -> str:
    """Where a writable path really lives: one volume, /data, with a symlink from where the app writes (a path
    already under /data stays where it is)."""
    return path.path.as_posix() if path.path.is_relative_to(DATA_DIR) else f"/data/{path.path.name}"


def _flask_app_named(argv: tuple[str, ...], candidate: Candidate | None) -> tuple[str, ...]:
    """`flask db upgrade` finds its app through FLASK_APP or .flaskenv, which the image does not carry: name the app
    the server runs (`flask --app microblog db upgrade`)."""
    if argv[:1] != ("flask",) or "--app" in argv or "-A" in argv or candidate is None or candidate.framework != "flask":
        return argv
    return ("flask", "--app", candidate.module, *argv[1:])


def _setup_suggestions(root, files, candidate, modules, django, procfile, scripts) -> list[SetupStep]:
    steps: list[SetupStep] = []
    if procfile and procfile.release:
        steps.append(
            SetupStep(" ".join(procfile.release.argv), procfile.release.evidence, "the Procfile's release step")
        )
    if procfile and procfile.web:
        steps += [
            SetupStep(
                " ".join(_flask_app_named(before, candidate)),
                procfile.web.evidence,
                "the Procfile runs it before the server",
            )
            for before in procfile.web.before
        ]
    steps += flask_cli_steps(candidate, modules)
    if (django is not None and django.sqlite_files) or (
        django is not None and any(a.startswith("django.contrib.") for a in django.installed_apps)
    ):
        steps.append(SetupStep("python manage.py migrate", django.settings_evidence, "Django's database tables"))
    steps += script_steps(files)
    steps += console_script_steps(scripts, modules, candidate.paste if candidate is not None else None)
    steps += readme_steps(root, files)
    unique: dict[str, SetupStep] = {}
    for step in steps:
        key = " ".join(step.command.replace("python -m flask", "flask").split())
        unique.setdefault(key, step)
    return [replace(s, destroys=destroys_command(s.command, root, files, modules, scripts)) for s in unique.values()]


@dataclass(frozen=True)
class NamedFile:
    """A top-level entry of the app folder that a string literal in the served code names (`"config.yml"`,
    `"data/words.txt"`)."""

    name: str
    evidence: Evidence

    @property
    def secret(self) -> bool:
        return self.name.endswith(SECRET_SUFFIXES) or self.name.startswith(".env")


def named_files(top: list[str], modules: list[Module]) -> dict[str, NamedFile]:
    """The top-level entries the code names by a string literal, each with the first place that names it."""
    present = {entry.rstrip("/") for entry in top}
    found: dict[str, NamedFile] = {}
    for module in modules:
        for node in _constants(module):
            head = node.value.removeprefix("./").lstrip("/").split("/")[0]
            if head in present and head not in found:
                found[head] = NamedFile(head, Evidence(module.path, node.lineno, node.value))
    return found


def _top(files: list[str]) -> list[str]:
    return sorted({f.split("/", 1)[0] + ("/" if "/" in f else "") for f in files})


def named_config_files(root: Path, files: list[str], modules: list[Module]) -> list[str]:
    """Top-level config files the code names that the image carries (read for the SQLite URLs they hold)."""
    return [
        named.name
        for named in named_files(_top(files), modules).values()
        if named.name.endswith(CONFIG_SUFFIXES)
        and not named.secret
        and named.name not in NOT_RUNTIME
        and is_app_file(root, named.name)
    ]


def _copies(
    root, files, modules: list[Module], procfile, argv, packaged: bool, writable, django
) -> tuple[list[str], list[str], list[str]]:
    """Top-level paths the image needs in /app: served modules and packages, the data directories the code names
    (templates, static), files the code names by a string literal (a config.yml it loads by relative path, a data
    file), files the command names (a server config). Everything else stays out, and so does a named file that looks
    like a secret (.env, .pem, .key): the third list says where the code names one."""
    top = _top(files)
    named = named_files(top, modules)
    # A top-level entry the app writes is a link to /data, not a copy; the folder a database sits in is still copied.
    writable_names = {w.path.name for w in writable if w.path.parent == PurePosixPath("/app")}
    command_files = {w for w in argv if is_app_file(root, w)}
    served_dirs = {m.path.split("/", 1)[0] for m in modules if "/" in m.path}
    copies: list[str] = []
    left_out: list[str] = []
    secrets: list[str] = []
    for entry in top:
        name = entry.rstrip("/")
        is_dir = entry.endswith("/")
        if name in writable_names or (django and django.static_root and name == str(django.static_root).split("/")[0]):
            continue
        if name in named and named[name].secret:
            secrets.append(
                f"{named[name].evidence.where()} names {name}, which looks like a secret: not copied into the image "
                "(pass its values as environment variables, or mount it at run time)"
            )
            continue
        if name.startswith(".") or name in SKIPPED_DIRS:
            continue
        needed = False
        if name in command_files:
            needed = True
        elif packaged:
            needed = False
        elif is_dir:
            needed = (name in served_dirs or name in named or name in DATA_DIRS) and name not in NOT_SERVED_DIRS
        else:
            needed = (name.endswith(".py") and any(m.path == name for m in modules)) or (
                name in named and not name.endswith(WRITTEN_SUFFIXES) and name not in NOT_RUNTIME
            )
        (copies if needed else left_out).append(entry)
    return (
        copies,
        [e for e in left_out if not _obviously_not_runtime(e) and not (packaged and e.rstrip("/") in served_dirs)],
        secrets,
    )


def _obviously_not_runtime(entry: str) -> bool:
    name = entry.rstrip("/")
    return (
        name in NOT_RUNTIME
        or name.endswith(NOT_RUNTIME_SUFFIXES)
        or name.startswith("LICENSE")
        or name.startswith("requirements")
        or name in NOT_SERVED_DIRS
        or name.startswith(".")
        or name in ("infra", "deploy", "config", "bin", "tests")
    )


def _constants(module: Module):
    import ast

    return [
        n
        for n in ast.walk(module.tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and 0 < len(n.value) < 100 and "\n" not in n.value
    ]
