"""compose.yaml as Compose runs it: Debian's docker-compose `up` on flaskr's (a setup step that drops its tables,
SQLite on the data volume). The one-shot runs before the app; a user registered, the stack taken down (the volume
kept) and brought up again, the setup step skips (its marker is on the volume) and the user still logs in."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from dockwise.jobs.build import BaseSource, build_app, ensure_local_bases
from tests.conftest import RUN_ID
from tests.pyapp.helpers import copy_app, run_init
from tests.pyapp.test_apps_engine import Client

pytestmark = [pytest.mark.engine, pytest.mark.slow, pytest.mark.compose]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def for_the_test(compose: dict, image: str, port: int, labels: dict[str, str]) -> dict:
    """compose.yaml with the test's image (already built), a free host port and the test's label on what Compose
    creates; nothing else changes."""
    for service in compose["services"].values():
        service.pop("build", None)
        service["image"] = image
        service["labels"] = dict(labels)
        service["ports"] = [p.replace(p.split(":")[1], str(port), 1) for p in service.get("ports", [])] or None
        if service["ports"] is None:
            del service["ports"]
    compose["volumes"] = {name: {"labels": dict(labels)} for name in compose.get("volumes", {})}
    compose["networks"] = {"default": {"labels": dict(labels)}}
    return compose


def wait_for(client: Client, path: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if client.get(path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"no 200 on {path} within {timeout} s")


def test_compose_up_runs_setup_once_and_keeps_the_data(tmp_path: Path, test_labels):
    binary = shutil.which("docker-compose")
    assert binary, "Debian's docker-compose is missing: `make compose-cli` installs it"
    app = copy_app("flaskr", tmp_path)
    assert run_init(app, "--setup", "flask --app flaskr init-db").exit_code == 0
    tag = f"dockwise-test/flaskr:compose-{RUN_ID}"
    build_app(app, "standard", tag=tag, source=BaseSource.LOCAL, labels=test_labels, ensure_bases=ensure_local_bases)
    port = free_port()
    stack = for_the_test(yaml.safe_load((app / "compose.yaml").read_text()), tag, port, test_labels)
    (app / "compose.test.yaml").write_text(yaml.safe_dump(stack, sort_keys=False))
    project = f"dwtest{RUN_ID}"

    def compose(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [binary, "-p", project, "-f", "compose.test.yaml", *args],
            cwd=app,
            capture_output=True,
            text=True,
            timeout=300,
        )

    try:
        up = compose("up", "-d")
        assert up.returncode == 0, up.stderr
        client = Client(port)
        wait_for(client, "/")
        first = compose("logs", "--no-color", "flaskr-setup").stdout
        assert "dockwise setup: running" in first, first
        assert client.post("/auth/register", username="kept", password="pw")[0] == 200
        down = compose("down")  # containers and network go; the named data volume stays
        assert down.returncode == 0, down.stderr
        again = compose("up", "-d")
        assert again.returncode == 0, again.stderr
        client = Client(port)
        wait_for(client, "/")
        second = compose("logs", "--no-color", "flaskr-setup").stdout
        assert "already ran on this volume" in second and "dockwise setup: running" not in second, second
        status, page = client.post("/auth/login", username="kept", password="pw")
        assert status == 200 and "Log Out" in page, page[:300]
    finally:
        compose("down", "-v", "--remove-orphans")
