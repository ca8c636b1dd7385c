"""Data survives on every fixture app with a write (the three whose image has a data volume): `dockwise init --setup`
-> the distroless image -> dockwise starts it (the setup step runs once, in a one-shot container, on a volume) -> the
app writes (flaskr: a user and a post; the two Django apps: a superuser) -> `docker restart` -> still there -> a new
container on the same volume -> still there, and the setup step did not run again (its marker in the volume is the
first one)."""

from __future__ import annotations

import json

import pytest

from dockwise.engine import containers
from dockwise.jobs.build import BaseSource, build_app, ensure_local_bases
from dockwise.service import labels as label_names
from dockwise.service.setup_once import MARKER_DIR
from tests.conftest import RUN_ID
from tests.pyapp.helpers import copy_app, run_init
from tests.pyapp.test_apps_engine import Client

pytestmark = [pytest.mark.engine, pytest.mark.slow]


MARKERS = (
    "import json, os; d = '/data/" + MARKER_DIR + "'; "
    "print(json.dumps({n: json.load(open(os.path.join(d, n))) for n in sorted(os.listdir(d))}))"
)


def flaskr_write(client: Client) -> None:
    assert client.post("/auth/register", username="survivor", password="pw")[0] == 200
    assert "Log Out" in client.post("/auth/login", username="survivor", password="pw")[1]
    assert client.post("/create", title="kept by dockwise " + RUN_ID, body="across restarts")[0] == 200


def flaskr_read(client: Client) -> None:
    status, page = client.post("/auth/login", username="survivor", password="pw")
    assert status == 200 and "Log Out" in page, page[:300]  # the user is still there
    assert "kept by dockwise " + RUN_ID in client.get("/")[1]  # and the post


def django_write(container) -> None:
    result = container.exec_run(
        [
            "/opt/venv/bin/python",
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username",
            "survivor",
            "--email",
            "survivor@example.com",
        ],
        environment={"DJANGO_SUPERUSER_PASSWORD": "kept-" + RUN_ID},
        workdir="/app",
    )
    assert result.exit_code == 0, result.output.decode(errors="replace")


def django_read(client: Client) -> None:
    page = client.get("/admin/login/")[1]
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    status, page = client.post(
        "/admin/login/?next=/admin/", csrfmiddlewaretoken=token, username="survivor", password="kept-" + RUN_ID
    )
    assert status == 200 and "Site administration" in page, page[:300]  # logged in: the user row survived


def published_again(container) -> containers.Published:
    container.reload()
    [binding] = [b for b in container.attrs["NetworkSettings"]["Ports"]["8000/tcp"] if b["HostIp"] == "127.0.0.1"]
    return containers.Published(container, int(binding["HostPort"]))


def markers(container) -> dict:
    result = container.exec_run(["/opt/venv/bin/python", "-c", MARKERS])
    assert result.exit_code == 0, result.output.decode(errors="replace")
    return json.loads(result.output)


@pytest.mark.parametrize(
    ("name", "setup", "scope"),
    [
        ("flaskr", "flask --app flaskr init-db", "volume"),
        ("django-skeleton", "python manage.py migrate", "release"),
        ("django-quickstart", "python manage.py migrate", "release"),
    ],
)
def test_data_survives_restart_and_a_new_container(name, setup, scope, tmp_path, docker_client, test_labels):
    app = copy_app(name, tmp_path)
    assert run_init(app, "--setup", setup).exit_code == 0
    tag = f"dockwise-test/{name}:survives-{RUN_ID}"
    build_app(app, "distroless", tag=tag, source=BaseSource.LOCAL, labels=test_labels, ensure_bases=ensure_local_bases)
    image_labels = docker_client.images.get(tag).labels
    assert label_names.SETUP in image_labels, f"{tag} has no {label_names.SETUP} label"
    assert image_labels.get(label_names.SETUP_SCOPE, "release") == scope  # flaskr's init-db drops its tables

    volume = docker_client.volumes.create(f"dockwise-test-{name}-survives-{RUN_ID}", labels=test_labels)
    mount = {"volumes": {volume.name: {"bind": image_labels[label_names.DATA], "mode": "rw"}}}
    write, read = (flaskr_write, flaskr_read) if name == "flaskr" else (None, django_read)
    try:
        published = containers.start(docker_client, tag, port=8000, labels=test_labels, **mount)
        try:
            containers.wait_for_http_ok(published, "/")
            first = markers(published.container)
            assert len(first) == 1  # the step ran once, in the one-shot, before the server
            if write:
                write(Client(published.host_port))
            else:
                django_write(published.container)
            read(Client(published.host_port))

            published.container.restart(timeout=15)
            published = published_again(published.container)
            containers.wait_for_http_ok(published, "/")
            read(Client(published.host_port))
        finally:
            published.container.remove(force=True)  # the volume stays: it is the test's

        again = containers.start(docker_client, tag, port=8000, labels=test_labels, **mount)
        try:
            containers.wait_for_http_ok(again, "/")
            read(Client(again.host_port))
            assert markers(again.container) == first  # the one-shot found its marker: the step did not run again
        finally:
            again.container.remove(force=True)
    finally:
        volume.remove(force=True)
