"""The production server: the app's own (from its dependencies or Procfile), else gunicorn (WSGI) or uvicorn (ASGI)
added at a pinned, hashed version — never a framework's development server — and the exec-form command for it."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.frameworks import OwnServer
from dockwise.pyapp.requirements import Line, logical_lines, parse_line
from dockwise.pyapp.scan import is_app_file, read_app_file

GRACEFUL_S = 8
"""Seconds a server may drain on SIGTERM: below docker stop's 10 s and Kubernetes' grace period (the image
says so in its `dockwise.graceful-timeout` label)."""

VENV_BIN = "/opt/venv/bin"


@dataclass(frozen=True)
class Server:
    name: str  # the distribution (and console script, except waitress)
    script: str
    interfaces: frozenset[str]
    imports: tuple[str, ...]  # modules it loads at start, for the distroless stdlib bytecode
    own_server: OwnServer | None = None  # how a script runs it from code (the self-serving fallback)


SERVERS: dict[str, Server] = {
    s.name: s
    for s in (
        Server(
            "gunicorn",
            "gunicorn",
            frozenset({"wsgi", "aiohttp"}),
            (
                "gunicorn.app.wsgiapp",
                "gunicorn.arbiter",
                "gunicorn.workers.gthread",
                "gunicorn.workers.sync",
                "gunicorn.glogging",
            ),
        ),
        Server(
            "uvicorn",
            "uvicorn",
            frozenset({"asgi"}),
            (
                "uvicorn.main",
                "uvicorn.server",
                "uvicorn.config",
                "uvicorn.protocols.http.h11_impl",
                "uvicorn.lifespan.on",
                "uvicorn.loops.asyncio",
                "uvicorn.logging",
            ),
            OwnServer(
                calls=("uvicorn.run",),
                default_host="127.0.0.1",
                default_port=8000,
                on_stop="unless the call sets timeout_graceful_shutdown, it waits for requests in flight without a "
                "bound, past docker stop's 10 s",
            ),
        ),
        Server("hypercorn", "hypercorn", frozenset({"asgi", "wsgi"}), ("hypercorn.__main__", "hypercorn.asyncio")),
        Server(
            "granian",
            "granian",
            frozenset({"asgi", "wsgi"}),
            (
                "granian.cli",
                "granian.server.mp",
                "granian.wsgi",
                "granian.asgi",
                "granian._loops",
                "multiprocessing.popen_fork",
            ),
        ),
        Server("waitress", "waitress-serve", frozenset({"wsgi"}), ("waitress.runner", "waitress.server")),
        Server("daphne", "daphne", frozenset({"asgi"}), ("daphne.cli", "daphne.server")),
    )
}
# When the app brings several, the first that serves its interface wins.
PREFERENCE = ("gunicorn", "uvicorn", "granian", "hypercorn", "waitress", "daphne")
# granian for WSGI: the reference service's choice, measured (benchmarks/bench_servers.py): 7-14x the development
# server with an access log on, and clients that trickle their headers never reach Python (gunicorn's gthread
# workers starve under 200 of them).
# aiohttp apps: gunicorn with aiohttp's worker, which bounds the drain (pyapp/frameworks/aiohttp.py).
DEFAULT_FOR = {"wsgi": "granian", "asgi": "uvicorn", "aiohttp": "gunicorn"}
# What each default server needs besides itself (its dependencies in servers.txt).
BUNDLE = {"gunicorn": ("gunicorn",), "uvicorn": ("uvicorn", "click", "h11"), "granian": ("granian", "click")}


@dataclass(frozen=True)
class ServerChoice:
    server: Server
    added: bool  # not among the app's dependencies: dockwise installs it
    reason: str


def choose_server(
    interface: str, app_names: frozenset[str], flag: str | None, procfile_program: str | None
) -> ServerChoice:
    if flag:
        server = SERVERS.get(flag)
        if server is None:
            raise DockwiseError(
                f"--server {flag}: unknown server", f"use one of: {', '.join(SERVERS)}", exit_code=EXIT_USAGE
            )
        if interface not in server.interfaces:
            raise DockwiseError(
                f"--server {flag} does not serve {interface.upper()} apps",
                f"use {DEFAULT_FOR[interface]}",
                exit_code=EXIT_USAGE,
            )
        if server.name not in app_names and server.name not in BUNDLE:
            raise DockwiseError(
                f"--server {flag} is not among the app's dependencies",
                f"add {flag} to them, or use {DEFAULT_FOR[interface]}",
                exit_code=EXIT_USAGE,
            )
        return ServerChoice(server, server.name not in app_names, "--server")
    if procfile_program:
        server = next((s for s in SERVERS.values() if s.script == procfile_program), None)
        if server is not None:
            return ServerChoice(server, server.name not in app_names, "the Procfile's web command")
    own = [SERVERS[name] for name in PREFERENCE if name in app_names and interface in SERVERS[name].interfaces]
    if own:
        return ServerChoice(own[0], False, "among the app's dependencies")
    default = SERVERS[DEFAULT_FOR[interface]]
    return ServerChoice(default, True, f"the app has no {interface.upper()} server; dockwise adds {default.name}")


def bundled_lines(server: str) -> list[Line]:
    """The hash-pinned lines (from servers.txt) for a default server and its dependencies."""
    text = (files("dockwise.pyapp") / "servers.txt").read_text(encoding="utf-8")
    lines = {line.name: line for line in (parse_line("servers.txt", n, t) for n, t in logical_lines(text))}
    return [lines[name] for name in BUNDLE[server]]


def server_requirements(server: str, app_names: frozenset[str], hashed: bool) -> list[str]:
    """What to install besides the app's set: only what that set lacks. Hash-pinned sets get full lines with
    --hash (pip's hash-checking mode covers every requirement of the run); others get `name==version`."""
    if server in app_names:
        return []
    lines = bundled_lines(server)
    if hashed:
        return [
            f"{line.name}=={line.version} " + " ".join(f"--hash={h}" for h in line.hashes)
            for line in lines
            if line.name not in app_names
        ]
    return [f"{line.name}=={line.version}" for line in lines if line.name == server]


def command(
    server: Server,
    target: str,
    factory: bool,
    interface: str,
    port: int,
    paste: str | None = None,
    worker: str | None = None,
) -> list[str]:
    """The exec-form server command: bound to all interfaces on `port`, logs on stdout, graceful on SIGTERM
    within Docker's 10 s stop timeout. `paste`: gunicorn loads the app from that PasteDeploy .ini instead.
    `worker` is the gunicorn worker class the framework serves its apps with (aiohttp's): one process, as the
    framework's own server runs the app, so state it keeps in memory stays whole."""
    script = posixpath.join(VENV_BIN, server.script)
    app = target + ("()" if factory and server.name in ("gunicorn", "hypercorn") else "")
    if server.name == "gunicorn":
        workers = ["--worker-class", worker, "--workers", "1"] if worker else ["--workers", "2", "--threads", "4"]
        return [
            script,
            "--bind",
            f"0.0.0.0:{port}",
            *workers,
            "--worker-tmp-dir",
            "/dev/shm",
            "--graceful-timeout",
            str(GRACEFUL_S),
            "--access-logfile",
            "-",
            *(["--paste", paste] if paste and not worker else [app]),
        ]
    if server.name == "uvicorn":
        return [
            script,
            "--host",
            "0.0.0.0",
            "--port",
            str(port),
            "--timeout-graceful-shutdown",
            str(GRACEFUL_S),
            *(["--factory"] if factory else []),
            app,
        ]
    if server.name == "hypercorn":
        return [script, "--bind", f"0.0.0.0:{port}", "--graceful-timeout", str(GRACEFUL_S), app]
    if server.name == "granian":
        return [
            script,
            "--interface",
            interface,
            "--host",
            "0.0.0.0",
            "--port",
            str(port),
            "--workers",
            "2",
            "--blocking-threads",
            "4",
            "--workers-kill-timeout",
            str(GRACEFUL_S),
            "--respawn-failed-workers",
            "--http1-header-read-timeout",
            "10000",
            "--access-log",
            *(["--factory"] if factory else []),
            app,
        ]
    if server.name == "waitress":
        return [script, f"--listen=0.0.0.0:{port}", *(["--call"] if factory else []), app]
    return [script, "--bind", "0.0.0.0", "--port", str(port), app]


# Each server's options that say where it listens: HOST:PORT, HOST alone, or PORT alone.
_WHERE_OPTIONS: dict[str, dict[str, str]] = {
    "gunicorn": {"-b": "hostport", "--bind": "hostport"},
    "hypercorn": {"-b": "hostport", "--bind": "hostport"},
    "uvicorn": {"--host": "host", "--port": "port"},
    "granian": {"--host": "host", "--port": "port"},
    "daphne": {"-b": "host", "--bind": "host", "-p": "port", "--port": "port"},
    "waitress": {"--listen": "hostport", "--host": "host", "--port": "port"},
}
_ALL_INTERFACES = "0.0.0.0"


def _where_values(words: list[str], server: Server) -> list[tuple[int, str, str, str]]:
    """(index of the word, its text before the value, the value, kind) for each option that says where the server
    listens: `--bind X`, `--bind=X`, `-bX`."""
    options = _WHERE_OPTIONS.get(server.name, {})
    found = []
    for index, word in enumerate(words[1:], start=1):
        previous = words[index - 1]
        if previous in options:
            found.append((index, "", word, options[previous]))
            continue
        for option, kind in options.items():
            if option.startswith("--") and word.startswith(option + "="):
                found.append((index, option + "=", word[len(option) + 1 :], kind))
            elif not option.startswith("--") and word.startswith(option) and len(word) > len(option):
                found.append((index, option, word[len(option) :], kind))
    return found


def _split_hostport(value: str) -> tuple[str, str] | None:
    """HOST:PORT (HOST may be [v6]); None for a unix socket or file descriptor."""
    if value.startswith(("unix:", "fd://")) or ":" not in value:
        return None
    host, _, port = value.rpartition(":")
    return host, port


def is_loopback(host: str) -> bool:
    return host.strip("[]") in ("localhost", "::1") or host.startswith("127.")


def bound_port(argv: tuple[str, ...] | list[str], server: Server | None) -> str | None:
    """The port a command binds as written (`--bind 0.0.0.0:5000` -> "5000"; `$PORT` stays "$PORT"), or None."""
    if server is None or not argv:
        return None
    for _index, _prefix, value, kind in _where_values(list(argv), server):
        if kind == "port":
            return value
        if kind == "hostport" and (parts := _split_hostport(value)):
            return parts[1]
    return None


def adapt_procfile(
    argv: tuple[str, ...], server: Server | None, port: int, *, add_bind: bool = True
) -> tuple[list[str], list[str]]:
    """The Procfile command in exec form, and what was changed in it: `$PORT` replaced by the port, the program by
    its venv path, a loopback bind (unreachable from outside the container, while the health check inside passes)
    moved to all interfaces, a bind on another port moved to `port` (the one the image EXPOSEs), and a bind on
    0.0.0.0:port added when the command sets none (command-line options override a server config file)."""
    words = [word.replace("$PORT", str(port)) for word in argv]
    program = posixpath.basename(words[0])
    words[0] = posixpath.join(VENV_BIN, "python" if program.startswith("python") else program)
    if server is None:
        return words, []
    changes: list[str] = []
    where = _where_values(words, server)
    for index, prefix, value, kind in where:
        host, bound = (value, None) if kind == "host" else ((None, value) if kind == "port" else (None, None))
        if kind == "hostport":
            parts = _split_hostport(value)
            if parts is None:
                continue
            host, bound = parts
        if host is not None and is_loopback(host):
            changes.append(
                f"{value} listens on loopback only (unreachable from outside the container): bound to {_ALL_INTERFACES}"
            )
            host = _ALL_INTERFACES
        if bound is not None and bound != str(port):
            changes.append(f"{value} binds port {bound}: moved to {port}, the port the image exposes")
            bound = str(port)
        new = host if kind == "host" else bound if kind == "port" else f"{host}:{bound}"
        words[index] = prefix + str(new)
    if not add_bind:
        return words, changes
    kinds = {kind for *_rest, kind in where}
    options = _WHERE_OPTIONS.get(server.name, {})
    if "hostport" in options.values() and not kinds:
        option = "--listen=" if server.name == "waitress" else "--bind"
        words[1:1] = [f"{option}0.0.0.0:{port}"] if option.endswith("=") else [option, f"0.0.0.0:{port}"]
    else:
        # Host and port are separate options (uvicorn, granian, daphne, waitress): each one the command lacks is
        # added; uvicorn, granian and daphne listen on 127.0.0.1 by default.
        if "port" in options.values() and not kinds & {"port", "hostport"}:
            words[1:1] = [next(o for o, k in options.items() if k == "port" and o.startswith("--")), str(port)]
        if "host" in options.values() and not kinds & {"host", "hostport"}:
            host_option = next(o for o, k in options.items() if k == "host" and o.startswith("--"))
            words[1:1] = [host_option, _ALL_INTERFACES]
    return words, changes
    if server.name in ("gunicorn", "hypercorn"):
        words[1:1] = ["--bind", f"0.0.0.0:{port}"]
    elif server.name in ("uvicorn", "granian"):
        words[1:1] = ["--host", "0.0.0.0", "--port", str(port)]
    elif server.name == "daphne":
        words[1:1] = ["--bind", "0.0.0.0", "--port", str(port)]
    elif server.name == "waitress":
        words[1:1] = [f"--listen=0.0.0.0:{port}"]
    return words, changes


SCRIPT_BYTES = 200_000
"""How much of a script a command names is read to tell a development server (as lint reads a context file)."""


def app_script_reader(root: Path) -> Callable[[str], str | None]:
    """Reads a script a command names (`python web_app.py`) from the app folder, for
    `dockwise.core.devserver.dev_server_reason`: as every read of the app (`scan.read_app_file`: a regular file
    inside the folder, bounded), the first SCRIPT_BYTES of it; None when it is not such a file."""

    def read(script: str) -> str | None:
        if not is_app_file(root, script):
            return None
        try:
            return read_app_file(root, script, errors="replace")[:SCRIPT_BYTES]
        except DockwiseError:
            return None

    return read
