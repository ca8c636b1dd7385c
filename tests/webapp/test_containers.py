"""The distroless claims, caching, graceful shutdown, health checks and HTTP behaviour of both running images."""

from __future__ import annotations

import hashlib
import http.client
import json
import shutil
import socket
import threading
import time

import pytest

from dockwise.engine import containers
from dockwise.measure.runtime import exec_sh_refused
from tests.host_proc import proc_uid
from tests.webapp.conftest import build_variant, path_exists

pytestmark = pytest.mark.engine


def _request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, dict, object]:
    """Status, headers, and the body: decoded JSON when the server says it is JSON, else text."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        headers, raw = dict(response.getheaders()), response.read()
        is_json = headers.get("Content-Type", "").startswith("application/json")
        return response.status, headers, json.loads(raw) if is_json else raw.decode()
    finally:
        connection.close()


# The distroless claims
def test_distroless_is_smaller_than_standard(docker_client, standard, distroless):
    small = docker_client.images.get(distroless.tag).attrs["Size"]
    large = docker_client.images.get(standard.tag).attrs["Size"]
    assert small < 0.6 * large, f"distroless {small / 1e6:.1f} MB vs standard {large / 1e6:.1f} MB"


@pytest.mark.parametrize("path", ["/bin/sh", "/usr/bin/sh", "/bin/bash", "/usr/bin/apt", "/usr/bin/apt-get",
                                  "/usr/bin/dpkg", "/opt/venv/bin/pip", "/usr/bin/pip3"])
def test_distroless_has_no_shell_package_manager_or_pip(docker_client, distroless, test_labels, path):
    assert not path_exists(docker_client, distroless.tag, path, test_labels)


def test_standard_keeps_its_shell_and_tools(docker_client, standard, test_labels):
    # The same probe must see them where they exist, or the distroless test above proves nothing.
    assert path_exists(docker_client, standard.tag, "/bin/sh", test_labels)
    assert path_exists(docker_client, standard.tag, "/usr/bin/dpkg", test_labels)


def test_exec_sh_refused_only_in_distroless(docker_client, standard, distroless, test_labels):
    refused = {}
    for app in (standard, distroless):
        with containers.running(docker_client, app.tag, port=5000, labels=test_labels) as published:
            containers.wait_for_http_ok(published, "/healthz")
            refused[app.variant] = exec_sh_refused(published.container)
            if app.variant == "distroless":
                published.container.reload()
                assert proc_uid(int(published.container.attrs["State"]["Pid"])) == 65532
    assert refused == {"standard": False, "distroless": True}


# Both containers, for real over loopback
def test_http_behaviour_of_the_container(docker_client, built, test_labels):
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels) as published:
        containers.wait_for_http_ok(published, "/healthz")
        port = published.host_port
        status, headers, info = _request(port, "GET", "/api/info")
        assert status == 200 and info["variant"] == built.variant
        assert info["pip_importable"] is (built.variant == "standard")
        assert (info["shells"] == []) is (built.variant == "distroless")
        status, headers, page = _request(port, "GET", "/")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert f"<td>{built.variant}</td>" in page
        assert _request(port, "GET", "/readyz")[2]["status"] == "ready"
        status, _, body = _request(port, "GET", "/missing")
        assert status == 404 and body["status"] == 404
        status, _, body = _request(port, "POST", "/api/digest", b"y" * 70_000)
        assert status == 413 and body["status"] == 413
        logs = published.container.logs().decode().strip().splitlines()
    requests_logged = [json.loads(line) for line in logs if '"msg":"request"' in line]
    assert any(entry["path"] == "/api/info" and entry["status"] == 200 for entry in requests_logged)


def test_healthcheck_reports_healthy_without_a_shell(docker_client, built, test_labels):
    healthcheck = docker_client.images.get(built.tag).attrs["Config"]["Healthcheck"]
    assert healthcheck["Test"][0] == "CMD", "HEALTHCHECK must be exec form (CMD), not CMD-SHELL"
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels) as published:
        deadline = time.monotonic() + 45
        status = "starting"
        while time.monotonic() < deadline and status != "healthy":
            time.sleep(1)
            published.container.reload()
            status = published.container.attrs["State"]["Health"]["Status"]
    assert status == "healthy"


def test_read_only_root_filesystem_works(docker_client, built, test_labels):
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels, read_only=True) as published:
        containers.wait_for_http_ok(published, "/healthz")
        assert _request(published.host_port, "GET", "/api/info")[2]["root_filesystem_read_only"] is True


def test_docker_stop_drains_in_flight_requests_and_exits_0(docker_client, built, test_labels):
    body = b"z" * 4000
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels) as published:
        containers.wait_for_http_ok(published, "/healthz")
        # A request in flight: headers and half the body sent, the rest only after the stop signal.
        sock = socket.create_connection(("127.0.0.1", published.host_port), timeout=15)
        head = (f"POST /api/digest HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n").encode()
        sock.sendall(head + body[:2000])
        time.sleep(0.3)
        stopper = threading.Thread(target=published.container.stop, kwargs={"timeout": 10})
        stopper.start()
        time.sleep(1.0)
        sock.sendall(body[2000:])
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
        sock.close()
        stopper.join(20)
        published.container.reload()
        exit_code = published.container.attrs["State"]["ExitCode"]
    assert response.startswith(b"HTTP/1.1 200"), response[:80]
    assert json.loads(response.split(b"\r\n\r\n", 1)[1])["sha256"] == hashlib.sha256(body).hexdigest()
    assert exit_code == 0


# Layer caching
def test_code_only_change_reuses_the_dependency_layer(docker_client, standard, tmp_path, test_labels):
    changed = tmp_path / "app"
    shutil.copytree(standard.context, changed)
    (changed / "web_app.py").write_text((changed / "web_app.py").read_text() + "\n# a code-only change\n")
    rebuilt = build_variant("standard", changed, standard.tag + "-changed", test_labels)
    before = docker_client.images.get(standard.tag).attrs["RootFS"]["Layers"]
    after = docker_client.images.get(rebuilt.tag).attrs["RootFS"]["Layers"]
    assert len(before) == len(after)
    # The layers up to and including pip's are shared; the code layer (and its bytecode) differ.
    assert before[:-2] == after[:-2]
    assert before[-2] != after[-2]
