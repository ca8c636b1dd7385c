"""A PasteDeploy Pyramid app of our own, end to end: `dockwise init` serves it with gunicorn `--paste`, the
distroless image builds on dockwise's local bases and runs hardened as compose.yaml says, the app answers with the
greeting its production.ini sets (the .ini's settings are the ones it runs with, its loopback [server:main] is not),
and `docker stop` exits 0 within 10 s."""

from __future__ import annotations

import pytest
import yaml

from dockwise.engine import containers
from dockwise.jobs.build import BaseSource, build_app, ensure_local_bases
from tests.conftest import RUN_ID
from tests.pyapp.helpers import PASTE_PACKAGE, run_init, write
from tests.pyapp.test_apps_engine import Client, hardened_options, stops_cleanly, wait_until_up

pytestmark = [pytest.mark.engine, pytest.mark.network]

INI = """\
[app:main]
use = egg:hello
hello.greeting = Hello from production.ini {run}

[server:main]
use = egg:waitress#main
listen = localhost:6543
"""


def test_pyramid_paste_app_runs_with_its_ini_settings(tmp_path, docker_client, test_labels):
    app = write(tmp_path / "hello", {**PASTE_PACKAGE, "production.ini": INI.format(run=RUN_ID)})
    result = run_init(app)
    assert result.exit_code == 0, result.output
    built = build_app(
        app,
        "distroless",
        tag=f"dockwise-test/pyramid-paste:distroless-{RUN_ID}",
        source=BaseSource.LOCAL,
        labels=test_labels,
        ensure_bases=ensure_local_bases,
    )
    service = next(iter(yaml.safe_load((app / "compose.yaml").read_text())["services"].values()))
    port = int(service["ports"][0].split(":")[-1])
    with containers.running(
        docker_client, built.tag, port=port, labels=test_labels, **hardened_options(service, "", "distroless")
    ) as published:
        client = Client(published.host_port)
        wait_until_up(client, "/", published.container)
        assert client.get("/") == (200, f"Hello from production.ini {RUN_ID}")
        container = published.container
        stops_cleanly(container)
