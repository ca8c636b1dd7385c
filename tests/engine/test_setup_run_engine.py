"""An image with a setup step (the `dockwise.setup` label), run by dockwise: the step runs in a one-shot container
before the service, once per data volume; restarts and new containers on the same volume keep what the app wrote.

The test image is tiny: FROM the local slim base, a stdlib HTTP app keeping notes in SQLite on /data, and an
`init_db.py` that drops and recreates the table (the Flask tutorial's `init-db` in small) and counts its runs."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.engine import containers
from dockwise.engine.buildkit import BuildRequest, build_image
from dockwise.service import labels as label_names

pytestmark = pytest.mark.engine

APP = """\
import json, os, signal, sqlite3, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DB = "/data/app.db"

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/runs":
            runs = open("/data/setup-runs").read().count("ran") if os.path.exists("/data/setup-runs") else 0
            return self.answer(200, str(runs))
        try:
            rows = [row[0] for row in sqlite3.connect(DB).execute("SELECT text FROM note")]
        except sqlite3.Error as error:
            return self.answer(500, str(error))
        self.answer(200, json.dumps(rows))

    def do_POST(self):
        text = self.rfile.read(int(self.headers["Content-Length"])).decode()
        with sqlite3.connect(DB) as db:
            db.execute("INSERT INTO note VALUES (?)", (text,))
        self.answer(201, "ok")

    def answer(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
"""
INIT_DB = """\
import sqlite3
with open("/data/setup-runs", "a") as runs:
    runs.write("ran\\n")
db = sqlite3.connect("/data/app.db")
db.executescript("DROP TABLE IF EXISTS note; CREATE TABLE note (text TEXT);")
db.commit()
"""
DOCKERFILE = """\
FROM dockwise/python:3.13-slim
RUN python3 -m venv --without-pip /opt/venv && mkdir /data && chown 10001:10001 /data
COPY app.py init_db.py /app/
USER 10001:10001
EXPOSE 8000
CMD ["/opt/venv/bin/python", "/app/app.py"]
"""
INIT_STEP = json.dumps(["/opt/venv/bin/python", "/app/init_db.py"])


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    folder = tmp_path_factory.mktemp("setup-image")
    for name, text in (("app.py", APP), ("init_db.py", INIT_DB), ("Dockerfile", DOCKERFILE)):
        (folder / name).write_text(text)
    return folder


@pytest.fixture(scope="module")
def build(context, test_labels):
    """Build the test image with these labels (the label decides what dockwise does), once per set of labels."""
    built: dict[str, str] = {}

    def with_labels(**image_labels: str) -> str:
        key = json.dumps(image_labels, sort_keys=True)
        if key not in built:
            tag = f"dockwise-test/setup-once:{test_labels['dockwise.test']}-{len(built)}"
            build_image(BuildRequest(context, context / "Dockerfile", tag, labels={**test_labels, **image_labels}))
            built[key] = tag
        return built[key]

    return with_labels


def destructive_image(build) -> str:
    return build(**{label_names.DATA: "/data", label_names.SETUP: INIT_STEP, label_names.SETUP_SCOPE: "volume"})


def get(published: containers.Published, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(published.url(path), timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def post(published: containers.Published, text: str) -> int:
    request = urllib.request.Request(published.url("/"), data=text.encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def republished(published: containers.Published) -> containers.Published:
    """After `docker restart` the loopback port may be another."""
    container = published.container
    container.reload()
    [binding] = container.attrs["NetworkSettings"]["Ports"]["8000/tcp"]
    return containers.Published(container, int(binding["HostPort"]))


def own(client, case: dict[str, str]) -> tuple[list, list]:
    selector = {"label": [f"{k}={v}" for k, v in case.items()]}
    return client.containers.list(all=True, filters=selector), client.volumes.list(filters=selector)


@pytest.fixture
def case(test_labels) -> dict[str, str]:
    """Labels for what one test creates, so it can see exactly what it left behind."""
    return {**test_labels, "dockwise.test-case": uuid.uuid4().hex[:12]}


def test_the_step_runs_once_and_data_survives_restart_and_a_new_container(docker_client, build, case):
    image = destructive_image(build)
    volume = docker_client.volumes.create(labels=case)
    mount = {"volumes": {volume.name: {"bind": "/data", "mode": "rw"}}}
    try:
        published = containers.start(docker_client, image, port=8000, labels=case, **mount)
        try:
            containers.wait_for_http_ok(published, "/")
            assert get(published, "/") == (200, "[]") and get(published, "/runs") == (200, "1")
            assert post(published, "a user registered") == 201
            assert [c.id for c in own(docker_client, case)[0]] == [published.container.id]  # the one-shot is gone

            published.container.restart(timeout=10)
            published = republished(published)
            containers.wait_for_http_ok(published, "/")
            assert get(published, "/") == (200, '["a user registered"]')
        finally:
            published.container.remove(force=True)  # not containers.remove: the volume is the test's, and stays

        again = containers.start(docker_client, image, port=8000, labels=case, **mount)
        try:
            containers.wait_for_http_ok(again, "/")
            assert get(again, "/") == (200, '["a user registered"]')
            assert get(again, "/runs") == (200, "1")  # the step did not run again on this volume
        finally:
            again.container.remove(force=True)
    finally:
        volume.remove(force=True)


def test_a_fresh_volume_gets_the_step_and_goes_with_the_container(docker_client, build, case):
    with containers.running(docker_client, destructive_image(build), port=8000, labels=case) as published:
        containers.wait_for_http_ok(published, "/")
        assert get(published, "/runs") == (200, "1") and get(published, "/") == (200, "[]")
    assert own(docker_client, case) == ([], [])


@pytest.mark.parametrize(("setup", "runs"), [(None, "0"), (True, "1")])
def test_a_command_of_the_callers_own_runs_the_step_only_when_asked(docker_client, build, case, setup, runs):
    show_runs = "import os; p = '/data/setup-runs'; print(open(p).read().count('ran') if os.path.exists(p) else 0)"
    container = containers.start(
        docker_client,
        destructive_image(build),
        port=None,
        labels=case,
        setup=setup,
        command=["/opt/venv/bin/python", "-c", show_runs],
    ).container
    try:
        assert container.wait(timeout=60)["StatusCode"] == 0
        assert container.logs().decode().strip() == runs
    finally:
        containers.remove(container)
    assert own(docker_client, case) == ([], [])


def test_a_failing_step_stops_the_start_with_its_log_and_leaves_nothing(docker_client, build, case):
    failing = json.dumps(["/opt/venv/bin/python", "-c", "import sys; print('no such table: schema'); sys.exit(4)"])
    image = build(**{label_names.DATA: "/data", label_names.SETUP: failing})
    with pytest.raises(DockwiseError) as caught:
        containers.start(docker_client, image, port=8000, labels=case)
    assert "failed (exit 4)" in caught.value.cause and "no such table: schema" in caught.value.cause
    assert own(docker_client, case) == ([], [])


def test_a_step_that_destroys_data_without_a_data_volume_is_refused(docker_client, build, case):
    image = build(**{label_names.SETUP: INIT_STEP, label_names.SETUP_SCOPE: "volume"})  # no dockwise.data
    with pytest.raises(DockwiseError) as caught:
        containers.start(docker_client, image, port=8000, labels=case)
    assert "destroys data and there is no data volume" in caught.value.cause
    assert own(docker_client, case) == ([], [])


def test_the_step_gets_the_data_volume_alone(docker_client, build, case):
    """slim's traced run mounts its tracer and trace output beside the data volume: a step that saw them would write
    its own imports into the service's trace (Django's migrate did: "trace incomplete")."""
    marks = (
        "import os; os.path.isdir('/extra') and open('/extra/seen-by-setup', 'w').write('x'); os.makedirs('/data/ok')"
    )
    image = build(**{label_names.DATA: "/data", label_names.SETUP: json.dumps(["/opt/venv/bin/python", "-c", marks])})
    extra = docker_client.volumes.create(labels=case)
    try:
        mounts = {"volumes": {extra.name: {"bind": "/extra", "mode": "rw"}}}
        with containers.running(docker_client, image, port=8000, labels=case, **mounts) as published:
            containers.wait_for_http_ok(published, "/runs")
            look = "import os; print(os.path.exists('/extra/seen-by-setup'), os.path.isdir('/data/ok'))"
            result = published.container.exec_run(["/opt/venv/bin/python", "-c", look])
            assert result.output.decode().split() == ["False", "True"]  # the step ran, on /data only
    finally:
        extra.remove(force=True)
