"""The compose.yaml `dockwise init` writes, run by a real Compose (Debian's docker-compose 1.29): flaskr, whose setup
step drops its tables, keeps its users and posts across `docker-compose restart` and `down` + `up` (the volume kept),
because the step runs in the one-shot `-setup` service once per data volume, not at every start.

The test runs a copy of the generated file with only what would touch others changed: the image is the test's own
tag (built by dockwise, no `build:`), the loopback port is an ephemeral one, and every container and the volume carry
the test label, under a project name of the test's own."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from dockwise.engine.client import cli_client
from dockwise.jobs.build import BaseSource, build_app, ensure_local_bases
from tests.conftest import RUN_ID
from tests.pyapp.helpers import copy_app, run_init
from tests.pyapp.test_apps_engine import Client
from tests.pyapp.test_setup_data_engine import flaskr_read, flaskr_write

pytestmark = [pytest.mark.engine, pytest.mark.slow]


def one_shot(document: dict) -> tuple[str, str]:
    """(the app service, the setup service it waits for to complete)."""
    for name, service in document["services"].items():
        for dependency, condition in (service.get("depends_on") or {}).items():
            if isinstance(condition, dict) and condition.get("condition") == "service_completed_successfully":
                return name, dependency
    raise AssertionError("compose.yaml has no service that depends_on a one-shot with service_completed_successfully")


def for_the_test(document: dict, tag: str, labels: dict[str, str]) -> dict:
    services = {}
    for name, service in document["services"].items():
        service = {key: value for key, value in service.items() if key != "build"}
        service["image"] = tag
        service["labels"] = labels
        if "ports" in service:
            service["ports"] = [f"127.0.0.1::{entry.rsplit(':', 1)[-1]}" for entry in service["ports"]]
        services[name] = service
    volumes = {name: {**(spec or {}), "labels": labels} for name, spec in (document.get("volumes") or {}).items()}
    return {**document, "services": services, "volumes": volumes, "networks": {"default": {"labels": labels}}}


class Compose:
    def __init__(self, file: Path, project: str):
        self.base = [shutil.which("docker-compose") or "docker-compose", "-p", project, "-f", str(file)]
        self.env = cli_client().env()

    def __call__(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run(
            [*self.base, *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            cwd=Path(self.base[-1]).parent,
        )
        assert result.returncode == 0, f"docker-compose {' '.join(args)}: {result.stderr[-2000:]}"
        return result.stdout

    def client(self, service: str, port: int) -> Client:
        host_port = int(self("port", service, str(port)).strip().rsplit(":", 1)[-1])
        client = Client(host_port)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if client.get("/")[0] == 200:
                    return client
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"{service} never answered: {self('logs', '--tail', '20', service)}")


def test_compose_up_restart_down_up_keeps_flaskrs_data(tmp_path, test_labels):
    if shutil.which("docker-compose") is None:
        pytest.fail("docker-compose is not installed: apt-get install -y docker-compose (Debian's 1.29 package)")
    app = copy_app("flaskr", tmp_path)
    assert run_init(app, "--setup", "flask --app flaskr init-db").exit_code == 0
    document = yaml.safe_load((app / "compose.yaml").read_text())
    project = f"dockwise-test-{RUN_ID}-compose"
    Compose(app / "compose.yaml", project)("config", "--quiet")  # the file as init wrote it is valid to Compose
    service, setup = one_shot(document)

    tag = f"dockwise-test/flaskr:compose-{RUN_ID}"
    build_app(app, "standard", tag=tag, source=BaseSource.LOCAL, labels=test_labels, ensure_bases=ensure_local_bases)
    test_file = app / "compose.test.yaml"
    test_file.write_text(yaml.safe_dump(for_the_test(document, tag, test_labels), sort_keys=False))
    compose = Compose(test_file, project)
    port = int(document["services"][service]["ports"][0].rsplit(":", 1)[-1])
    try:
        compose("up", "-d")
        client = compose.client(service, port)
        flaskr_write(client)
        flaskr_read(client)

        compose("restart")
        flaskr_read(compose.client(service, port))

        compose("down")  # keeps the volume
        compose("up", "-d")
        flaskr_read(compose.client(service, port))
        assert "already ran on this volume" in compose("logs", "--no-color", setup)
    finally:
        subprocess.run(
            [*compose.base, "down", "-v", "--remove-orphans"], env=compose.env, capture_output=True, timeout=300
        )
