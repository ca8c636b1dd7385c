"""Files an app reads and writes at run time, on the real engine: a tiny app of this test's own whose SQLite URL is
built with `Path.joinpath` in an f-string and whose settings file is read by a relative path, served by waitress (no
SIGTERM handler) -> `dockwise init` -> the distroless image -> run read-only with a volume at /data -> a note is
written -> `docker stop` (the image's STOPSIGNAL) -> start again -> the note is still there."""

from __future__ import annotations

import time

import pytest

from dockwise.engine import containers
from dockwise.jobs.build import BaseSource, build_app, ensure_local_bases
from dockwise.service import labels as label_names
from tests.conftest import RUN_ID
from tests.pyapp.helpers import run_init
from tests.pyapp.test_apps_engine import Client
from tests.pyapp.test_setup_data_engine import published_again

pytestmark = [pytest.mark.engine, pytest.mark.slow]

APP = """import configparser
from pathlib import Path

from flask import Flask, request
from sqlalchemy import create_engine, text

BASE = Path(__file__).resolve().parent
NAME = "notes.db"
engine = create_engine(f"sqlite:///{BASE.joinpath(NAME)}")
settings = configparser.ConfigParser()
settings.read_string(open("settings.ini").read())

app = Flask(__name__)


def rows(connection):
    connection.execute(text("CREATE TABLE IF NOT EXISTS notes (body TEXT)"))
    return [row[0] for row in connection.execute(text("SELECT body FROM notes"))]


@app.post("/notes")
def add():
    with engine.begin() as connection:
        rows(connection)
        connection.execute(text("INSERT INTO notes VALUES (:body)"), {"body": request.form["body"]})
    return "kept", 201


@app.get("/")
def index():
    with engine.begin() as connection:
        return settings["site"]["title"] + ": " + ", ".join(rows(connection))
"""
REQUIREMENTS = "flask==3.0.3\nsqlalchemy==2.0.36\nwaitress==3.0.2\n"


def test_joinpath_sqlite_and_a_relative_config_file_survive_a_read_only_stop_and_start(
    tmp_path, docker_client, test_labels
):
    app = tmp_path / "notes"
    app.mkdir()
    (app / "app.py").write_text(APP)
    (app / "settings.ini").write_text("[site]\ntitle = Notes kept by dockwise\n")
    (app / "requirements.txt").write_text(REQUIREMENTS)
    result = run_init(app)
    assert result.exit_code == 0, result.output
    dockerfile = (app / "Dockerfile.distroless").read_text()
    assert "COPY app.py settings.ini ./" in dockerfile and "STOPSIGNAL SIGINT" in dockerfile

    tag = f"dockwise-test/notes:runtime-files-{RUN_ID}"
    build_app(app, "distroless", tag=tag, source=BaseSource.LOCAL, labels=test_labels, ensure_bases=ensure_local_bases)
    image = docker_client.images.get(tag)
    assert image.attrs["Config"].get("StopSignal") == "SIGINT"
    volume = docker_client.volumes.create(f"dockwise-test-notes-{RUN_ID}", labels=test_labels)
    mount = {"volumes": {volume.name: {"bind": image.labels[label_names.DATA], "mode": "rw"}}}
    try:
        published = containers.start(docker_client, tag, port=8000, labels=test_labels, **mount)
        try:
            assert published.container.attrs["HostConfig"]["ReadonlyRootfs"]
            containers.wait_for_http_ok(published, "/")
            client = Client(published.host_port)
            assert client.post("/notes", body="written " + RUN_ID)[0] == 201
            assert client.get("/")[1] == "Notes kept by dockwise: written " + RUN_ID

            started = time.monotonic()
            published.container.stop(timeout=10)
            stopped_in = time.monotonic() - started
            assert stopped_in < 5, f"docker stop took {stopped_in:.1f} s: the server missed its stop signal"
            published.container.start()
            published = published_again(published.container)
            containers.wait_for_http_ok(published, "/")
            again = Client(published.host_port).get("/")[1]
            assert again == "Notes kept by dockwise: written " + RUN_ID  # the write outlived the stop
        finally:
            published.container.remove(force=True)
    finally:
        volume.remove(force=True)
