"""The reference service: a small Flask app that reports, from inside, what kind of container it runs in.

Every page is evidence for the image's practices: the user it runs as, whether a shell, a package manager or pip
is reachable, whether the root filesystem is read-only. Served by gunicorn (see gunicorn.conf.py), never by
Flask's development server.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import platform
import pwd
import shutil
import socket
import sys
import time
from datetime import datetime, timezone
from importlib.util import find_spec

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

MAX_BODY_BYTES = 64 * 1024
SHELLS = ("/bin/sh", "/bin/bash", "/bin/dash", "/usr/bin/sh", "/usr/bin/bash", "/busybox/sh")
PACKAGE_MANAGERS = ("apt", "apt-get", "dpkg", "apk", "dnf", "yum", "microdnf")


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line on stdout: what log shippers expect from a container."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, separators=(",", ":"))


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


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    log = logging.getLogger("web_app")
    started = time.monotonic()
    facts = container_facts()
    page = render_page(facts)

    @app.before_request
    def _start_timer() -> None:
        g.t0 = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        elapsed_ms = (time.perf_counter() - g.get("t0", time.perf_counter())) * 1000
        if request.path not in ("/healthz", "/readyz"):
            fields = {"method": request.method, "path": request.path, "status": response.status_code,
                      "ms": round(elapsed_ms, 2), "bytes": response.calculate_content_length()}
            log.info("request", extra={"fields": fields})
        return response

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
        data = request.get_data(cache=False)
        return jsonify({"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})

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
