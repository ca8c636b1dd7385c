"""The distroless claims, caching, graceful shutdown, health checks and HTTP behaviour of both running images."""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from dockwise.engine import containers
from dockwise.measure import http_faults
from dockwise.measure.load import run_load
from dockwise.measure.runtime import exec_sh_refused
from tests.host_proc import proc_uid
from tests.webapp.conftest import build_variant, path_exists

BODY_LIMIT = 64 * 1024

pytestmark = pytest.mark.engine


def _request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, object, object]:
    """Status, headers, and the body: decoded JSON when the server says it is JSON, else text."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        headers, raw = response.headers, response.read()  # case-insensitive: granian sends lower-case names
        is_json = headers.get("Content-Type", "").startswith("application/json")
        return response.status, headers, json.loads(raw) if is_json else raw.decode()
    finally:
        connection.close()


# The distroless claims
def test_distroless_is_smaller_than_standard(docker_client, standard, distroless):
    small = docker_client.images.get(distroless.tag).attrs["Size"]
    large = docker_client.images.get(standard.tag).attrs["Size"]
    assert small < 0.6 * large, f"distroless {small / 1e6:.1f} MB vs standard {large / 1e6:.1f} MB"


@pytest.mark.parametrize(
    "path",
    [
        "/bin/sh",
        "/usr/bin/sh",
        "/bin/bash",
        "/usr/bin/apt",
        "/usr/bin/apt-get",
        "/usr/bin/dpkg",
        "/opt/venv/bin/pip",
        "/usr/bin/pip3",
    ],
)
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
        published.container.stop(timeout=10)  # access lines are written in batches; the last at exit
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


def _pid(published) -> int:
    published.container.reload()
    return int(published.container.attrs["State"]["Pid"])


def _access_lines(container) -> list[dict]:
    return [
        json.loads(line)
        for line in container.logs(stderr=False).decode().splitlines()
        if '"logger":"web_app.access"' in line
    ]


def _get_many(port: int, path: str, count: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        for _ in range(count):
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == 200
    finally:
        connection.close()


def test_every_request_writes_one_json_access_line(docker_client, built, test_labels):
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels) as published:
        containers.wait_for_http_ok(published, "/healthz")  # the probes are not logged
        with ThreadPoolExecutor(8) as pool:  # 8 keep-alive clients, 2,000 requests, both workers busy
            list(pool.map(lambda _: _get_many(published.host_port, "/", 250), range(8)))
        time.sleep(0.6)  # the writer's interval is 0.2 s
        while_running = _access_lines(published.container)
        published.container.stop(timeout=10)
        after_stop = _access_lines(published.container)
    assert len(while_running) == 2000 and {(e["path"], e["status"]) for e in while_running} == {("/", 200)}
    assert len(after_stop) == 2000


def test_lines_of_the_last_moments_are_written_at_stop(docker_client, built, test_labels):
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels) as published:
        containers.wait_for_http_ok(published, "/healthz")
        _get_many(published.host_port, "/api/info", 50)
        published.container.stop(timeout=10)  # at once: the lines are still queued in the workers
        published.container.reload()
        assert published.container.attrs["State"]["ExitCode"] == 0
        assert len([e for e in _access_lines(published.container) if e["path"] == "/api/info"]) == 50


def test_slow_clients_do_not_starve_a_normal_request(docker_client, built, test_labels):
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels) as published:
        containers.wait_for_http_ok(published, "/healthz")
        result = http_faults.slow_clients(published.host_port, connections=200, hold_s=1.0, timeout=5.0)
    assert result.still_trickling == 200, "the slow connections were dropped, so they tested nothing"
    assert result.normal_status == 200 and result.normal_ms is not None and result.normal_ms < 1000, result


def test_malformed_http_gets_4xx_never_a_500_or_a_crash(docker_client, built, test_labels):
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels) as published:
        containers.wait_for_http_ok(published, "/healthz")
        workers_before = _children(_pid(published))
        statuses = {
            name: http_faults.send_raw(published.host_port, payload)
            for name, payload in http_faults.malformed_requests(BODY_LIMIT).items()
        }
        at_limit = http_faults.send_raw(
            published.host_port,
            http_faults.request_bytes(
                "POST", "/api/digest", {"Transfer-Encoding": "chunked"}, http_faults.chunked(b"a" * BODY_LIMIT)
            ),
        )
        healthy = http_faults.get_status(published.host_port, "/healthz")
        workers_after = _children(_pid(published))
        logs = published.container.logs().decode()
    not_4xx = {name: r.status for name, r in statuses.items() if r.status is None or not 400 <= r.status < 500}
    assert not_4xx == {}
    assert not any(b"root:" in r.data for r in statuses.values()), "a traversal reached /etc/passwd"
    assert at_limit.status == 200 and json.loads(at_limit.body)["bytes"] == BODY_LIMIT  # the limit is exact
    assert healthy == 200 and workers_after == workers_before, "a worker died and was replaced"
    assert "Traceback" not in logs and '"level":"error"' not in logs


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return sorted(int(child) for child in children.read().split())


IN_FLIGHT = 4


def test_docker_stop_under_load_drains_in_flight_requests_and_exits_0(docker_client, built, test_labels):
    body = b"z" * 4000
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels) as published:
        containers.wait_for_http_ok(published, "/healthz")
        pid = _pid(published)
        # Requests in flight: headers and half the body sent, the rest only after the stop signal. They begin on
        # the idle server, so each holds one of its 2 x 4 app threads; the other threads serve the load. Begun under
        # load, a request may still wait for a thread when the signal comes, and granian 2.8 dropped 6 of 8 such
        # requests in one CI run (closed, unanswered), none in others: a timing, not a property, to test.
        in_flight = [http_faults.start_in_flight(published.host_port, "/api/digest", body) for _ in range(IN_FLIGHT)]
        time.sleep(0.5)
        with ThreadPoolExecutor(1) as pool:
            load = pool.submit(run_load, 5000, "/", seconds=3, connections=16, netns_pid=pid)
            time.sleep(1.0)
            stopped = {}
            stopper = threading.Thread(
                target=lambda: (published.container.stop(timeout=10), stopped.setdefault("at", time.monotonic()))
            )
            signalled = time.monotonic()
            stopper.start()
            time.sleep(1.0)
            finished_at = time.monotonic()
            responses = [flight.finish() for flight in in_flight]
            stopper.join(20)
            load.result()
        published.container.reload()
        exit_code = published.container.attrs["State"]["ExitCode"]
    digest = hashlib.sha256(body).hexdigest()
    assert [r.status for r in responses] == [200] * IN_FLIGHT
    assert all(json.loads(r.body)["sha256"] == digest for r in responses)
    assert exit_code == 0
    assert stopped["at"] - signalled < 10  # by itself, not killed by docker at its deadline
    assert stopped["at"] - finished_at < 2.0, "once idle, the server took 2 s or more to stop"


def test_docker_stop_when_idle_takes_under_2_s(docker_client, built, test_labels):
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels) as published:
        containers.wait_for_http_ok(published, "/")
        started = time.monotonic()
        published.container.stop(timeout=10)
        took = time.monotonic() - started
        published.container.reload()
        assert published.container.attrs["State"]["ExitCode"] == 0
    assert took < 2.0


def test_no_module_is_compiled_from_source_at_run_time(docker_client, built, test_labels):
    """Bytecode everywhere: with -v, Python names the file of every code object it loads; none may be a .py."""
    with containers.running(
        docker_client, built.tag, port=5000, labels=test_labels, environment={"PYTHONVERBOSE": "1"}
    ) as published:
        containers.wait_for_http_ok(published, "/")
        for request in (
            http_faults.request_bytes("GET", "/api/info"),
            http_faults.request_bytes("GET", "/missing"),
            http_faults.request_bytes("POST", "/api/echo", {"Content-Type": "application/json"}, b'{"a": 1}'),
            http_faults.request_bytes("POST", "/api/digest", body=b"x" * 70_000),
        ):
            assert http_faults.send_raw(published.host_port, request).status in (200, 404, 413)
        published.container.stop(timeout=10)
        verbose = published.container.logs(stdout=False).decode(errors="replace")
    loaded = re.findall(r"^# code object from (.+)$", verbose, re.M)
    assert len(loaded) > 200, "PYTHONVERBOSE did not report the imports"
    assert [path for path in loaded if not path.endswith(".pyc'")] == []


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
