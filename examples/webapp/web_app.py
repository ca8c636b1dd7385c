"""The reference service: a small Flask app that reports, from inside, what kind of container it runs in.

Every page is evidence for the image's practices: the user it runs as, whether a shell, a package manager or pip
is reachable, whether the root filesystem is read-only. Served by granian (see serve.py), never by
Flask's development server. Every request but the health probes writes one JSON access-log line to stdout.
"""

from __future__ import annotations

import collections
import hashlib
import html
import json
import logging
import os
import platform
import pwd
import select
import shutil
import socket
import sys
import threading
import time
from importlib.util import find_spec

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge

MAX_BODY_BYTES = 64 * 1024
SHELLS = ("/bin/sh", "/bin/bash", "/bin/dash", "/usr/bin/sh", "/usr/bin/bash", "/busybox/sh")
PACKAGE_MANAGERS = ("apt", "apt-get", "dpkg", "apk", "dnf", "yum", "microdnf")
# Probes every few seconds would drown the requests that matter; they are answered, not logged.
UNLOGGED_PATHS = frozenset({"/healthz", "/readyz"})
ACCESS_LOG_INTERVAL_S = 0.2
# A logged path is cut here so that every access line fits one atomic pipe write (see LineWriter).
MAX_LOGGED_PATH = 1024


def iso_utc_ms(timestamp: float) -> str:
    """2026-12-02T01:41:21.123Z: seconds formatted by the C library, milliseconds by hand."""
    seconds = int(timestamp)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{int((timestamp - seconds) * 1000):03d}Z"


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line for the server's and the app's own log records (rare: start, stop, errors)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": iso_utc_ms(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, separators=(",", ":"))


class LineWriter:
    """Lines queued by the request threads and written to a file descriptor in batches by one thread of its own.

    A request only appends to a deque; the writer wakes every `interval` seconds. Each write(2) carries whole lines
    and at most PIPE_BUF bytes, so lines from the server's worker processes, which share the container's stdout
    pipe, never interleave, and no line costs a system call or a flush through the log driver of its own. The
    writer thread starts with the first line, i.e. in the worker process that serves requests; it is not a daemon:
    at interpreter exit it writes what is left once the main thread has finished.
    """

    def __init__(self, fd: int, interval: float = ACCESS_LOG_INTERVAL_S) -> None:
        self._fd = fd
        self._interval = interval
        self._lines: collections.deque[str] = collections.deque()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def put(self, line: str) -> None:
        self._lines.append(line)
        if self._thread is None:
            self._start()

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                # Explicitly not a daemon: a thread inherits the flag from its creator, here a server's request thread.
                self._thread = threading.Thread(target=self._run, name="access-log-writer", daemon=False)
                self._thread.start()

    def _run(self) -> None:
        main = threading.main_thread()
        while main.is_alive():
            time.sleep(self._interval)
            self.flush()
        self.flush()

    def flush(self) -> None:
        """Write every queued line; deque.popleft is atomic, so lines queued meanwhile are kept for the next turn."""
        chunk, size = [], 0
        while self._lines:
            data = self._lines.popleft().encode()
            if chunk and size + len(data) > select.PIPE_BUF:
                self._write(b"".join(chunk))
                chunk, size = [], 0
            chunk.append(data)
            size += len(data)
        if chunk:
            self._write(b"".join(chunk))

    def _write(self, data: bytes) -> None:
        while data:
            data = data[os.write(self._fd, data):]


class AccessLog:
    """WSGI middleware: one JSON line per request, built by string formatting (no logging record, no formatter)."""

    def __init__(self, app, writer: LineWriter) -> None:
        self._app = app
        self._writer = writer

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        path = environ.get("PATH_INFO", "")
        if path in UNLOGGED_PATHS:
            return self._app(environ, start_response)
        seen: list = []

        def remember(status, headers, exc_info=None):
            seen.append(status)
            seen.append(headers)
            return start_response(status, headers, exc_info)

        body = self._app(environ, remember)  # Flask has called start_response when it returns
        self._writer.put(access_line(time.time(), environ.get("REQUEST_METHOD", ""), path, int(seen[0][:3]),
                                     (time.perf_counter() - started) * 1000, _content_length(seen[1])))
        return body


def _content_length(headers: list[tuple[str, str]]) -> int | None:
    for name, value in headers:
        if name == "Content-Length":
            return int(value)
    return None


def access_line(timestamp: float, method: str, path: str, status: int, ms: float, length: int | None) -> str:
    # json.dumps only for what the client chose (it escapes quotes and control bytes); the rest is known-safe.
    return (f'{{"ts":"{iso_utc_ms(timestamp)}","level":"info","logger":"web_app.access","msg":"request",'
            f'"method":{json.dumps(method[:16])},"path":{json.dumps(path[:MAX_LOGGED_PATH])},"status":{status},'
            f'"ms":{ms:.2f},"bytes":{"null" if length is None else length}}}\n')


def read_body() -> bytes:
    """The request body, at most MAX_BODY_BYTES, else 413.

    werkzeug refuses a declared Content-Length over the limit, but a chunked body (no length) is cut at the limit
    without an error; one read past the cut tells whether the client sent more.
    """
    data = request.get_data(cache=False)
    if request.content_length is None and len(data) >= MAX_BODY_BYTES and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()
    return data


def _user_name(uid: int) -> str | None:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def _root_read_only() -> bool:
    return bool(os.statvfs("/").f_flag & os.ST_RDONLY)


def _present(paths_or_names: tuple[str, ...]) -> list[str]:
    found = []
    for name in paths_or_names:
        if name.startswith("/"):
            if os.path.exists(name):
                found.append(name)
        elif shutil.which(name, path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"):
            found.append(name)
    return found


def container_facts() -> dict[str, object]:
    """What this process can see of its own container.

    None of it can change while the container lives (user, image contents, mounts), so it is read once per process.
    """
    uid, gid = os.getuid(), os.getgid()
    return {
        "variant": os.environ.get("APP_VARIANT", "unknown"),
        "hostname": socket.gethostname(),
        "uid": uid,
        "gid": gid,
        "user": _user_name(uid),
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "root_filesystem_read_only": _root_read_only(),
        "shells": _present(SHELLS),
        "package_managers": _present(PACKAGE_MANAGERS),
        "pip_importable": find_spec("pip") is not None,
    }


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dockwise reference service</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:44rem}}th{{text-align:left;padding-right:1rem}}
.ok{{color:#0a7d32}}.warn{{color:#b45309}}</style></head>
<body><h1>dockwise reference service</h1>
<p>This page describes the container that served it, as seen from inside.</p>
<table>{rows}</table></body></html>
"""


def _row(label: str, value: object, good: bool | None = None) -> str:
    css = "" if good is None else (' class="ok"' if good else ' class="warn"')
    return f"<tr><th>{html.escape(label)}</th><td{css}>{html.escape(str(value))}</td></tr>"


def render_page(facts: dict[str, object]) -> str:
    rows = [
        _row("image variant", facts["variant"]),
        _row("user", f"{facts['user'] or '(no passwd entry)'} (uid {facts['uid']}, gid {facts['gid']})", facts["uid"] != 0),
        _row("python", facts["python"]),
        _row("read-only root filesystem", facts["root_filesystem_read_only"], bool(facts["root_filesystem_read_only"])),
        _row("shells", ", ".join(facts["shells"]) or "none", not facts["shells"]),
        _row("package managers", ", ".join(facts["package_managers"]) or "none", not facts["package_managers"]),
        _row("pip importable", facts["pip_importable"], not facts["pip_importable"]),
        _row("hostname", facts["hostname"]),
    ]
    return PAGE.format(rows="".join(rows))


def create_app(access_log: LineWriter | None = None) -> Flask:
    """The service; its access log goes to stdout unless another writer is given."""
    # No static folder: the service serves no files, so no URL can name one (path traversal has nothing to reach).
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.wsgi_app = AccessLog(app.wsgi_app, access_log or LineWriter(1))
    started = time.monotonic()
    facts = container_facts()
    page = render_page(facts).encode()

    @app.errorhandler(HTTPException)
    def _json_error(exc: HTTPException):
        body = {"error": exc.name, "status": exc.code, "detail": exc.description}
        return jsonify(body), exc.code

    @app.get("/")
    def index() -> Response:
        return Response(page, mimetype="text/html")

    @app.get("/api/info")
    def info():
        return jsonify({**facts, "pid": os.getpid()})

    @app.post("/api/digest")
    def digest():
        data = read_body()
        return jsonify({"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})

    @app.post("/api/echo")
    def echo():
        # Anything but a JSON object sent as JSON is the client's error, nesting too deep for the parser included.
        if not request.is_json:
            raise BadRequest("send the JSON object as application/json")
        try:
            payload = json.loads(read_body())
        except (ValueError, RecursionError):
            payload = None
        if not isinstance(payload, dict):
            raise BadRequest("the body must be a JSON object")
        return jsonify({"echo": payload, "keys": len(payload)})

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    @app.get("/readyz")
    def readyz():
        # Ready once imports and configuration are done, i.e. as soon as a worker can answer at all; a real service
        # would also check its dependencies (database, caches) here.
        return jsonify({"status": "ready", "uptime_s": round(time.monotonic() - started, 3)})

    return app


app = create_app()
