"""The reference service's HTTP behaviour through Flask's test client (the containers get the same checks for real)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import sys
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
def client(web_app):
    return web_app.create_app().test_client()


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


def test_digest_of_the_body(client):
    body = b"dockwise" * 100
    assert client.post("/api/digest", data=body).get_json() == {
        "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def test_logs_are_one_json_object_per_line(web_app):
    record = logging.LogRecord("web_app", logging.INFO, __file__, 1, "request", None, None)
    record.fields = {"path": "/", "status": 200}
    entry = json.loads(web_app.JsonLogFormatter().format(record))
    assert entry["msg"] == "request" and entry["path"] == "/" and entry["status"] == 200 and entry["level"] == "info"


def test_gunicorn_config_is_production_shaped():
    namespace: dict = {}
    exec((APP_DIR / "gunicorn.conf.py").read_text(), namespace)
    assert namespace["bind"].endswith(":5000")
    assert namespace["worker_tmp_dir"] == "/dev/shm"
    assert namespace["graceful_timeout"] < 10  # below docker stop's grace period
