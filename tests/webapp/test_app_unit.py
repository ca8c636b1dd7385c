"""The reference service's HTTP behaviour through Flask's test client (the containers get the same checks for real)."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import logging
import select
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parents[2] / "examples" / "webapp"


@pytest.fixture(scope="module")
def web_app():
    spec = importlib.util.spec_from_file_location("web_app", APP_DIR / "web_app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["web_app"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("web_app", None)


@pytest.fixture()
def access_log(web_app):
    """A writer into a socket pair whose messages keep their boundaries: what each write(2) carried, in order."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    writer = web_app.LineWriter(theirs.fileno())

    def writes() -> list[bytes]:
        # Flush on a thread and read meanwhile: a full socket buffer would otherwise block the writer forever.
        flusher = threading.Thread(target=writer.flush)
        flusher.start()
        found = []
        ours.settimeout(0.05)
        while True:
            try:
                found.append(ours.recv(1 << 20))
            except TimeoutError:
                if not flusher.is_alive():
                    return found

    yield writer, writes
    writes()  # nothing left for the writer's own thread to send after the sockets close
    ours.close()
    theirs.close()


@pytest.fixture()
def client(web_app, access_log):
    return web_app.create_app(access_log[0]).test_client()


def _lines(writes) -> list[dict]:
    return [json.loads(line) for chunk in writes() for line in chunk.decode().splitlines()]


def test_info_reports_the_process_as_seen_from_inside(client):
    import os

    info = client.get("/api/info").get_json()
    assert info["uid"] == os.getuid() and info["gid"] == os.getgid()
    assert info["python"] == ".".join(map(str, sys.version_info[:3]))
    assert isinstance(info["root_filesystem_read_only"], bool)
    assert set(info) >= {"variant", "hostname", "user", "shells", "package_managers", "pip_importable"}


def test_index_is_html_with_the_same_facts(client):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "read-only root filesystem" in page and "pip importable" in page


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz").get_json()
    assert ready["status"] == "ready" and ready["uptime_s"] >= 0


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", "/nope", 404), ("post", "/healthz", 405), ("delete", "/api/info", 405)],
)
def test_errors_are_json(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    body = response.get_json()
    assert body["status"] == status and body["error"]


def test_request_size_is_limited(client, web_app):
    too_big = b"x" * (web_app.MAX_BODY_BYTES + 1)
    response = client.post("/api/digest", data=too_big)
    assert response.status_code == 413 and response.get_json()["status"] == 413


def _chunked_post(client, body: bytes):
    """A body without Content-Length, as a chunked upload reaches the app through a server that de-chunks it."""
    return client.post(
        "/api/digest",
        input_stream=io.BytesIO(body),
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_the_limit_holds_for_bodies_without_content_length(client, web_app):
    # werkzeug alone cuts such a body at the limit and answers 200 with a digest of the first 64 KiB.
    response = _chunked_post(client, b"x" * (web_app.MAX_BODY_BYTES + 1))
    assert response.status_code == 413
    at_limit = b"y" * web_app.MAX_BODY_BYTES
    assert _chunked_post(client, at_limit).get_json() == {
        "bytes": len(at_limit),
        "sha256": hashlib.sha256(at_limit).hexdigest(),
    }


def test_echo_takes_json_objects_only(client):
    assert client.post("/api/echo", json={"a": [1, 2]}).get_json() == {"echo": {"a": [1, 2]}, "keys": 1}
    refused = {
        "bad JSON": client.post("/api/echo", data="{nope", content_type="application/json"),
        "a list": client.post("/api/echo", json=[1, 2]),
        "not JSON": client.post("/api/echo", data='{"a": 1}', content_type="text/plain"),
        "invalid UTF-8": client.post("/api/echo", data=b'{"a": "\xff"}', content_type="application/json"),
        # json.loads raises RecursionError here, which is no ValueError: Flask's get_json would answer 500.
        "nested too deep": client.post("/api/echo", data="[" * 30_000 + "]" * 30_000, content_type="application/json"),
    }
    assert {name: r.status_code for name, r in refused.items()} == dict.fromkeys(refused, 400)
    assert all(r.get_json()["status"] == 400 for r in refused.values())


def test_digest_of_the_body(client):
    body = b"dockwise" * 100
    assert client.post("/api/digest", data=body).get_json() == {
        "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
    }


def test_server_records_are_one_json_object_per_line(web_app):
    record = logging.LogRecord(
        "_granian", logging.INFO, __file__, 1, "Listening at: %s", ("http://0.0.0.0:5000",), None
    )
    record.fields = {"worker": 1}
    entry = json.loads(web_app.JsonLogFormatter().format(record))
    assert entry["msg"] == "Listening at: http://0.0.0.0:5000" and entry["worker"] == 1 and entry["level"] == "info"
    assert entry["ts"].endswith("Z") and len(entry["ts"]) == len("2026-12-02T01:41:21.123Z")


def test_every_request_but_the_probes_writes_one_access_line(client, access_log):
    paths = ["/", "/api/info", "/nope", "/healthz", "/readyz", "/"]
    for path in paths:
        client.get(path)
    client.post("/api/digest", data=b"x" * 10)
    lines = _lines(access_log[1])
    assert [(e["method"], e["path"], e["status"]) for e in lines] == [
        ("GET", "/", 200),
        ("GET", "/api/info", 200),
        ("GET", "/nope", 404),
        ("GET", "/", 200),
        ("POST", "/api/digest", 200),
    ]
    assert all(e["msg"] == "request" and e["level"] == "info" and e["ms"] >= 0 for e in lines)
    assert lines[0]["bytes"] == len(client.get("/").data)


def test_access_lines_stay_json_whatever_the_client_sends(client, access_log, web_app):
    client.get('/a"b\\c\x01d')
    client.get("/" + "p" * 5000)
    quoted, long_path = _lines(access_log[1])
    assert quoted["path"] == '/a"b\\c\x01d'
    assert long_path["path"] == ("/" + "p" * 5000)[: web_app.MAX_LOGGED_PATH]


def test_writes_carry_whole_lines_and_at_most_pipe_buf_bytes(web_app, access_log):
    writer, writes = access_log
    lines = [f'{{"n":{i},"pad":"{"x" * (i % 300)}"}}\n' for i in range(2000)]
    for line in lines:
        writer.put(line)
    chunks = writes()
    assert len(chunks) > 1 and all(len(c) <= select.PIPE_BUF and c.endswith(b"\n") for c in chunks)
    assert b"".join(chunks).decode() == "".join(lines)


def test_lines_queued_by_a_server_thread_are_written_at_exit(tmp_path):
    # The first line comes from a daemon thread, as in a server; the writer it starts must not inherit that flag,
    # or the lines of the last interval die with the process.
    script = textwrap.dedent(f"""
        import sys, threading
        sys.path.insert(0, {str(APP_DIR)!r})
        import web_app
        writer = web_app.LineWriter(1, interval=1.0)
        feeder = threading.Thread(target=lambda: [writer.put(f"line {{i}}\\n") for i in range(500)], daemon=True)
        feeder.start()
        feeder.join()
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=20, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [f"line {i}" for i in range(500)]


@pytest.fixture(scope="module")
def serve():
    pytest.importorskip("granian", reason="granian (the image's server) is not installed here")
    spec = importlib.util.spec_from_file_location("serve", APP_DIR / "serve.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(APP_DIR))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(APP_DIR))
    return module


def test_server_settings_come_from_the_environment(serve):
    assert serve.Settings.from_env({}) == serve.Settings(port=5000, workers=2, threads=4)
    assert serve.Settings.from_env({"PORT": "8080", "WEB_CONCURRENCY": "3", "WEB_THREADS": "8"}) == serve.Settings(
        port=8080, workers=3, threads=8
    )


def test_server_is_production_shaped(serve):
    server = serve.build_server(serve.Settings())
    assert (server.bind_addr, server.bind_port, server.interface) == ("0.0.0.0", 5000, "wsgi")
    assert server.workers == 2 and server.blocking_threads == 4
    assert server.workers_kill_timeout < 10  # below docker stop's grace period: the server exits 0 by itself
    assert server.respawn_failed_workers and not server.log_access  # the app writes the access log
    assert server.http1_settings.max_buffer_size <= 16 * 1024
    assert server.log_config["formatters"]["json"]["()"].__name__ == "JsonLogFormatter"
