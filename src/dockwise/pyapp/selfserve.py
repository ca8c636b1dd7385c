"""The self-serving fallback: an app that no WSGI/ASGI server can import (Tornado's, or a module that starts its
server as it is imported) is served by the script that starts its framework's own production server, as the
framework's provider declares it (`Framework.own_server`: aiohttp's `web.run_app`, Tornado's `listen`), or a
script that runs a server from code (`Server.own_server`: `uvicorn.run(...)`).

The line against development servers: only calls a provider declares are followed, so Flask's, Bottle's and Dash's
`app.run()` never are (nor Sanic's, which is served over ASGI); the script is also held to `dev_server_reason`.

Where the script listens is read from the call, never guessed: a literal host or port, `os.environ.get("PORT", N)`
(the image sets PORT), a framework option it parses from its command line (`--port=N` is passed), or the server's
default. A loopback host is refused (unreachable from outside the container, while a health check inside it
passes); a port the script fixes must be the one the image exposes.

Bad: `web.run_app(app, host="127.0.0.1")` (refused, exit 2).
Good: `web.run_app(app)` or `app.listen(options.port)` after `define("port", default=8888)`.
"""

from __future__ import annotations

import ast
import posixpath
from dataclasses import dataclass
from pathlib import Path

from dockwise.core.devserver import dev_server_reason
from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.entry import import_time_statements, int_value
from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.frameworks import OwnServer, registry
from dockwise.pyapp.grammar import is_app_path, is_attribute, is_module_path, one_line
from dockwise.pyapp.pyast import dotted, import_aliases, is_main_guard, keyword, literal
from dockwise.pyapp.scan import Module, is_app_file
from dockwise.pyapp.server import SERVERS, VENV_BIN, app_script_reader, is_loopback

PYTHON = posixpath.join(VENV_BIN, "python")
EXIT_ON_SIGTERM = "import runpy, signal, sys; signal.signal(signal.SIGTERM, lambda *_: sys.exit()); "
"""The runner's prefix for a server without a SIGTERM handler: as PID 1 it would ignore docker stop's SIGTERM."""


@dataclass(frozen=True)
class ServerCall:
    """A call that starts a framework's (or a server's) own server, in one module."""

    framework: str  # the framework or server whose server it starts
    own: OwnServer
    call: ast.Call
    evidence: Evidence
    on_import: bool  # at module level, outside `if __name__ == "__main__":`: importing the module starts it


@dataclass(frozen=True)
class SelfServing:
    """A script that serves its app itself: the command that runs it and where it listens."""

    framework: str
    module: str
    path: str
    call: Evidence
    argv: tuple[str, ...]
    port: int
    port_evidence: str
    stops_on_sigterm: bool
    on_stop: str  # what the server does with requests in flight on SIGTERM
    host_unread: str | None  # the host expression dockwise could not read, when there is one


def _declared() -> list[tuple[str, tuple[str, ...], OwnServer]]:
    """(name, top-level import names, own server) of every framework and server that declares one."""
    found = [(f.name, f.top_level, f.own_server) for f in registry() if f.own_server]
    return found + [(s.name, (s.name,), s.own_server) for s in SERVERS.values() if s.own_server]


def _own_server(call: ast.Call, aliases: dict[str, str]) -> tuple[str, OwnServer] | None:
    name = dotted(call.func, aliases) or ""
    imported = {origin.split(".")[0] for origin in aliases.values()}
    for owner, top_level, own in _declared():
        if name in own.calls:
            return owner, own
        if isinstance(call.func, ast.Attribute) and call.func.attr in own.methods and imported & set(top_level):
            return owner, own
    return None


def server_calls(module: Module) -> list[ServerCall]:
    """Every call in the module that starts a framework's own server, in source order."""
    aliases = import_aliases(module.tree)
    at_import = {
        id(node)
        for statement in import_time_statements(module.tree)
        if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for node in ast.walk(statement)
    }
    found = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call) and (own := _own_server(node, aliases)):
            excerpt = ast.get_source_segment(module.text, node) or ""
            found.append(ServerCall(*own, node, Evidence(module.path, node.lineno, excerpt), id(node) in at_import))
    return sorted(found, key=lambda c: c.evidence.line or 0)


def _is_method(found: ServerCall) -> bool:
    """A method of the app or server object (Tornado's `listen`), not a function given the app (`run_app(app)`)."""
    return isinstance(found.call.func, ast.Attribute) and found.call.func.attr in found.own.methods


def _argument(call: ast.Call, name: str, position: int | None, is_method: bool) -> ast.AST | None:
    found = keyword(call, name)
    if found is None and position is not None:
        index = position if is_method else position + 1  # a function's first argument is the app
        found = call.args[index] if len(call.args) > index else None
    return found


def _defined_options(module: Module, own: OwnServer, aliases: dict[str, str]) -> tuple[dict[str, int], bool]:
    """The integer options the script defines with its framework's `define(name, default=N)`, and whether it
    parses its command line (else a `--name=N` option is never read)."""
    defined: dict[str, int] = {}
    parses = False
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func, aliases)
        if name in own.option_parse:
            parses = True
        elif name == own.option_define and node.args:
            option, default = literal(node.args[0]), literal(keyword(node, "default"))
            if isinstance(option, str) and isinstance(default, int) and not isinstance(default, bool):
                defined[option] = default
    return defined, parses


def _refuse(cause: str, fix: str) -> DockwiseError:
    return DockwiseError(cause, fix, exit_code=EXIT_USAGE)


def _host(node: ast.AST | None, own: OwnServer, aliases: dict[str, str], where: str) -> str | None:
    """Refuses a loopback host; returns the host expression when it cannot be read, None when it can."""
    value = own.default_host if node is None else literal(node)
    if (
        value is None
        and isinstance(node, ast.Call)
        and (dotted(node.func, aliases) or "")
        in (
            "os.environ.get",
            "os.getenv",
        )
    ):
        value = literal(node.args[1]) if len(node.args) == 2 else None
    if isinstance(value, str):
        if is_loopback(value):
            raise _refuse(
                f"{where}: the app binds {value}, loopback only: unreachable from outside the container",
                "bind 0.0.0.0 (or read the host from the environment), or pass --cmd",
            )
        return None
    return ast.unparse(node) if node is not None else None


def _port(
    node: ast.AST | None, own: OwnServer, module: Module, aliases: dict[str, str], flag: int | None, where: str
) -> tuple[int, str, tuple[str, ...]]:
    """(port, evidence, the script's options dockwise passes) for the call's port argument."""
    if node is None:
        if own.default_port is None:
            raise _refuse(f"{where}: no port in the call", "pass the port to the call, or pass --cmd")
        return _fixed(own.default_port, flag, where, "the server's default port, which the call does not change")
    option = dotted(node, aliases) or ""
    if own.option_values and option.startswith(own.option_values + "."):
        name = option.removeprefix(own.option_values + ".")
        defined, parses = _defined_options(module, own, aliases)
        if name in defined and parses and is_attribute(name):
            chosen = flag or defined[name]
            return (
                chosen,
                f"{where} reads the option --{name} (default {defined[name]}): dockwise passes it",
                (f"--{name}={chosen}",),
            )
        if name in defined:
            return _fixed(defined[name], flag, where, f"the option {name}'s default (the script never parses it)")
    port, variable = int_value(node, aliases)
    if port is None:
        raise _refuse(
            f"{where}: the port {one_line(ast.unparse(node)[:40])!r} is not one dockwise can read",
            "read it with int(os.environ.get('PORT', 8080)), or pass --cmd",
        )
    if variable == "PORT":
        return flag or port, f"{where}; the app reads $PORT, which the image sets", ()
    return _fixed(port, flag, where, "the port the script binds")


def _fixed(port: int, flag: int | None, where: str, why: str) -> tuple[int, str, tuple[str, ...]]:
    if flag is not None and flag != port:
        raise _refuse(
            f"--port {flag}: {where} binds {port} itself",
            "leave --port out, or make the script read the PORT environment variable",
        )
    return port, f"{where} ({why})", ()


def _runner(module: Module, package: bool, arguments: tuple[str, ...], own: OwnServer) -> tuple[str, ...]:
    """The exec-form command: the script as `python` runs it (`-m` inside a package), or, for a server with no
    SIGTERM handler, through a runner that gives it one (no shell: the distroless image has none)."""
    if own.stops_on_sigterm:
        return (PYTHON, "-m", module.name, *arguments) if package else (PYTHON, module.path, *arguments)
    if package:
        run = f"sys.argv[1:] = {list(arguments)!r}; runpy.run_module({module.name!r}, run_name='__main__', alter_sys=True)"
    else:
        directory = posixpath.dirname(module.path)
        run = (
            f"sys.argv[:] = {[module.path, *arguments]!r}; sys.path[0] = {directory!r}; "
            f"runpy.run_path({module.path!r}, run_name='__main__')"
        )
    return (PYTHON, "-c", EXIT_ON_SIGTERM + run)


def _is_package_module(root: Path, module: Module) -> bool:
    return "/" in module.path and is_app_file(root, posixpath.join(posixpath.dirname(module.path), "__init__.py"))


def self_serving(root: Path, module: Module, found: ServerCall, port_flag: int | None) -> SelfServing:
    """How to run `module` as the script that serves the app, refused (exit 2) where it would not be reachable."""
    where = found.evidence.where()
    if not is_app_path(module.path) or not is_module_path(module.name):
        raise _refuse(
            f"{where}: the script {one_line(module.path)!r} cannot be named in a command safely",
            "rename it to letters, digits and _",
        )
    if reason := dev_server_reason([PYTHON, module.path], app_script_reader(root)):
        raise _refuse(f"{where}: {reason}", "serve the app with a production server, or pass --cmd")
    aliases = import_aliases(module.tree)
    is_method = _is_method(found)
    host = _argument(found.call, found.own.host_keyword, found.own.host_position, is_method)
    host_unread = _host(host, found.own, aliases, where)
    port_node = _argument(found.call, found.own.port_keyword, found.own.port_position, is_method)
    port, evidence, arguments = _port(port_node, found.own, module, aliases, port_flag, where)
    argv = _runner(module, _is_package_module(root, module), arguments, found.own)
    return SelfServing(
        found.framework,
        module.name,
        module.path,
        found.evidence,
        argv,
        port,
        evidence,
        found.own.stops_on_sigterm,
        found.own.on_stop,
        host_unread,
    )


def _runs_when_executed(module: Module, calls: list[ServerCall]) -> bool:
    return any(c.on_import for c in calls) or any(is_main_guard(s) for s in module.tree.body)


def find_self_serving(root: Path, modules: list[Module], port_flag: int | None) -> SelfServing | None:
    """The one script that serves the app itself, or None; several are refused (exit 2): which one is the app's
    entry point is the user's choice."""
    scripts = [
        (module, calls) for module in modules if (calls := server_calls(module)) and _runs_when_executed(module, calls)
    ]
    if len(scripts) > 1:
        listed = "; ".join(f"{calls[0].evidence.where()} ({calls[0].framework})" for _, calls in scripts[:5])
        raise _refuse(
            f"{len(scripts)} scripts serve an app themselves: {listed}",
            "pass --cmd with the one to run (e.g. --cmd 'python SCRIPT.py')",
        )
    if not scripts:
        return None
    module, calls = scripts[0]
    return self_serving(root, module, calls[0], port_flag)


def serves_on_import(modules: list[Module]) -> dict[str, Evidence]:
    """Module name -> the call that starts a server as the module is imported: no server can import such a module."""
    found: dict[str, Evidence] = {}
    for module in modules:
        call = next((c for c in server_calls(module) if c.on_import), None)
        if call is not None:
            found[module.name] = call.evidence
    return found


def served_factories(module: Module) -> set[str]:
    """Names of the module's functions whose app its own server serves: `web.run_app(init_app())`, or
    `app = init_app()` then `web.run_app(app)` — the app the script itself runs, among several factories."""
    made = {
        target.id: node.value.func.id
        for node in ast.walk(module.tree)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found = set()
    for call in server_calls(module):
        app = call.call.args[0] if call.call.args and not _is_method(call) else None
        if isinstance(app, ast.Call) and isinstance(app.func, ast.Name):
            found.add(app.func.id)
        elif isinstance(app, ast.Name) and app.id in made:
            found.add(made[app.id])
    return found
