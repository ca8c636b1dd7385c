"""Stage 3: what runs — the app object (the framework providers of pyapp/frameworks/ find it) or a given command,
the server and its exec-form command, the port, the stop signal."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from dockwise.core.devserver import dev_server_reason
from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp import django as django_reader
from dockwise.pyapp.django import DjangoProject
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
    is_attribute_path,
    is_module_path,
    one_line,
    port_number,
    shell_words,
)
from dockwise.pyapp.layouts import Dependencies
from dockwise.pyapp.procfile import Procfile, ProcfileCommand, read_procfile
from dockwise.pyapp.pyast import entry_path, on_path
from dockwise.pyapp.scan import (
    Module,
    Unparsed,
    is_app_file,
    module_name,
    parse_module,
    read_app_file,
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
from dockwise.pyapp.stages.flags import split_flag
from dockwise.pyapp.stages.install import Install
from dockwise.pyapp.stages.log import Decision, Log
from dockwise.pyapp.stages.source import Source

if TYPE_CHECKING:
    from dockwise.pyapp.detect import InitOptions


DEFAULT_PORT = 8000


SLOW_CLIENTS_WARNING = (
    "gunicorn's threads wait for each client's headers and body: 200 clients sending slowly held all 2 x 4 threads "
    "of a gunicorn gthread service and a normal request got no answer (docs/benchmarks/bench-servers.md in dockwise); "
    "`--server granian` keeps connections and headers out of Python (pass --server gunicorn to keep it quietly)"
)


@dataclass(frozen=True)
class Entry:
    """What the app serves: an app object to hand a server (`candidate`), or a command (`argv`: --cmd, the
    Procfile's web line, the app's own script serving itself), and the port."""

    candidate: Candidate | None
    argv: list[str] | None
    server: ServerChoice | None  # the server a given command runs, when dockwise knows it
    serving: SelfServing | None
    port: int
    port_evidence: str
    port_source: Evidence | None
    django: DjangoProject | None
    procfile: Procfile | None


@dataclass(frozen=True)
class Serving:
    """What runs: the server and its exec-form command, the port it binds, the signal that stops it."""

    candidate: Candidate | None
    serving: SelfServing | None
    server: ServerChoice | None
    argv: list[str]
    port: int
    framework: str
    interface: str
    stop: tuple[str, str] | None  # (signal, why) when SIGTERM does not stop the server
    django: DjangoProject | None
    procfile: Procfile | None


def find_entry(source: Source, install: Install, options: InitOptions, log: Log) -> Entry:
    """--app, --cmd or the Procfile's web line when given; else the app object the framework providers find, or
    the app's own script when it serves itself."""
    root, files, modules = source.root, source.files, source.modules
    candidates = find_candidates(modules) + paste_candidates(root, files, install.project, install.deps, modules)
    procfile = read_procfile(root)
    django = None
    manage = _manage_py(files)
    if manage and _is_django(root, manage):
        django = django_reader.read_project(root, parse_module(root, manage))
    cmd_argv = split_flag("--cmd", options.cmd) if options.cmd else None
    port, port_evidence, port_source = _port_choice(options, modules, procfile, cmd_argv)

    candidate: Candidate | None = None
    argv: list[str] | None = None
    server: ServerChoice | None = None
    if options.app:
        candidate = _parse_app_flag(options.app, root, candidates, options.server)
        log.decisions.append(Decision("app", candidate.target, "--app"))
    if cmd_argv is not None:
        candidate, argv, server = _given_command(cmd_argv, candidate, candidates, install, options, port, root, log)
    elif procfile and procfile.web and not options.app:
        candidate, argv, server = _procfile_command(procfile.web, candidates, install, options, port, root, log)
    serving: SelfServing | None = None
    if argv is None and candidate is None:
        servable, unservable = _servable(candidates, modules)
        log.notes += unservable
        if not servable and not (django is not None and django.application) and not main_block_candidates(modules):
            serving = find_self_serving(root, modules, options.port)
        if serving is None:
            candidate = _choose_candidate(servable, django, root, source.unparsed, modules)
            log.decisions.append(Decision("app", candidate.target, candidate.describe(), candidate.evidence))
        else:
            argv = list(serving.argv)
            port, port_evidence, port_source = serving.port, serving.port_evidence, serving.call
            log.decisions += _self_serving_decisions(serving)
            log.warnings += _self_serving_warnings(serving)
    entry = candidate.module if candidate is not None else (serving.module if serving is not None else None)
    log.notes += _skipped(source.unparsed, entry, modules)
    return Entry(candidate, argv, server, serving, port, port_evidence, port_source, django, procfile)


def _port_choice(
    options: InitOptions, modules: list[Module], procfile: Procfile | None, cmd_argv: list[str] | None
) -> tuple[int, str, Evidence | None]:
    """The port: --port, else one the server command binds, else the Procfile's $PORT default, else one the code
    names, else the default."""
    port_hint = next((h for m in modules for h in port_hints(m)), None)
    port, port_evidence = _port(options.port, port_hint, procfile)
    port_source = port_hint.evidence if port_hint and options.port is None else None
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
    return port, port_evidence, port_source


def _given_command(
    argv: list[str],
    candidate: Candidate | None,
    candidates: list[Candidate],
    install: Install,
    options: InitOptions,
    port: int,
    root: Path,
    log: Log,
) -> tuple[Candidate | None, list[str], ServerChoice | None]:
    """--cmd: run as given (checked, made to bind the port); the app it names is the one served."""
    if not argv:
        raise DockwiseError(
            "--cmd is empty", "pass the server command, e.g. --cmd 'gunicorn app:app'", exit_code=EXIT_USAGE
        )
    if reason := dev_server_reason(argv, app_script_reader(root)):
        raise DockwiseError(
            f"--cmd {options.cmd!r}: {reason}", "use a production server (gunicorn, uvicorn)", exit_code=EXIT_USAGE
        )
    log.decisions.append(Decision("command", shell_words(argv), "--cmd"))
    program = PurePosixPath(argv[0]).name
    known = next((s for s in SERVERS.values() if s.script == program), None)
    server = ServerChoice(known, known.name not in install.deps.names, "--cmd") if known else None
    candidate = candidate or _target_candidate(next((w for w in argv if ":" in w), ""), candidates)
    adapted, changes = adapt_procfile(tuple(argv), known, port, add_bind=False)
    log.warnings += [f"--cmd: {change}" for change in changes]
    return candidate, adapted, server


def _procfile_command(
    web: ProcfileCommand,
    candidates: list[Candidate],
    install: Install,
    options: InitOptions,
    port: int,
    root: Path,
    log: Log,
) -> tuple[Candidate | None, list[str] | None, ServerChoice | None]:
    """The Procfile's web line wins, unless it needs a shell or runs a development server (a warning says so), or
    --server replaces its server (the app it names is still the one served)."""
    reason = web.shell_only or dev_server_reason(web.argv, app_script_reader(root))
    if reason:
        log.warnings.append(
            f"{web.evidence.where()}: the web command is not used: {reason}; "
            "dockwise runs an exec-form command without a shell (pass --cmd to choose one)"
        )
        return None, None, None
    candidate = _target_candidate(next((w for w in web.argv if ":" in w), ""), candidates)
    chosen = SERVERS.get(options.server or "")
    if chosen is not None and chosen.script != PurePosixPath(web.argv[0]).name:
        if candidate is not None:
            log.decisions.append(Decision("app", candidate.target, f"{web.evidence} (its server replaced by --server)"))
        return candidate, None, None
    program = PurePosixPath(web.argv[0]).name
    server = (
        choose_server("wsgi", install.deps.names, options.server, program)
        if any(s.script == program for s in SERVERS.values())
        else None
    )
    argv, changes = adapt_procfile(web.argv, server.server if server else None, port)
    log.warnings += [f"{web.evidence.where()}: {change}" for change in changes]
    log.decisions.append(
        Decision("command", shell_words(argv), f"{web.evidence} (a Procfile web: line wins)", web.evidence)
    )
    return candidate, argv, server


def plan_serving(source: Source, install: Install, entry: Entry, options: InitOptions, log: Log) -> Serving:
    """The server for the app object (its framework's provider says which worker, the pins which flags), or the
    given command; the port; the stop signal."""
    candidate, serving, server, argv = entry.candidate, entry.serving, entry.server, entry.argv
    deps = install.deps
    if candidate is not None:
        _check_candidate(candidate)
        if loopback := loopback_defaults(candidate, source.modules):
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
        argv = command(
            server.server, candidate.target.rstrip("()"), factory, interface, entry.port, candidate.paste, worker
        )
        pin = next((p for p in deps.pins if p.name == server.server.name), None)
        if pin is not None and not server.added:
            argv, dropped = fit_to_version(argv, server.server, f"=={pin.version}", pin.evidence.where())
            log.notes += dropped
        log.decisions.append(_server_decision(server))
        log.decisions.append(Decision("command", shell_words(argv), f"{server.server.name} serving {candidate.target}"))
    elif server is not None:
        log.decisions.append(_server_decision(server))
    log.decisions.append(Decision("port", str(entry.port), entry.port_evidence, entry.port_source))
    stop = stop_signal(argv)
    if stop is not None:
        log.decisions.append(Decision("stop signal", stop[0], stop[1]))
    if (
        server is not None
        and server.server.name == "gunicorn"
        and server.reason != "--server"
        and interface != "aiohttp"
    ):
        log.warnings.append(SLOW_CLIENTS_WARNING)
    return Serving(
        candidate, serving, server, list(argv), entry.port, framework, interface, stop, entry.django, entry.procfile
    )


def _server_decision(server: ServerChoice) -> Decision:
    return Decision(
        "server", server.server.name + (" (added at a pinned version)" if server.added else ""), server.reason
    )


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
