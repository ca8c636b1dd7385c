"""An app that needs psycopg2, which PyPI ships for Linux only as an sdist: `dockwise init` has the distroless builder
compile it with libpq-dev, and the distroless image, with libpq5 and what it needs copied in (no compiler, no
headers), imports it."""

from __future__ import annotations

import pytest

from dockwise.jobs.build import BaseSource, build_app, ensure_local_bases
from tests.conftest import RUN_ID
from tests.pyapp.helpers import run_init

pytestmark = [pytest.mark.engine, pytest.mark.slow]

APP = """import psycopg2
from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return {"libpq": psycopg2.extensions.libpq_version()}
"""
PROBE = """
import pathlib, psycopg2.extensions
print(psycopg2.extensions.libpq_version())
print(pathlib.Path('/var/lib/dpkg/status.d/libpq5').read_text().splitlines()[0])
print(any(pathlib.Path(p).exists() for p in ('/usr/bin/gcc', '/usr/include/postgresql/libpq-fe.h')))
"""


def test_psycopg2_from_its_sdist_runs_in_the_distroless_image(tmp_path, docker_client, test_labels):
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "requirements.txt").write_text("flask==3.1.0\npsycopg2==2.9.10\n")
    result = run_init(tmp_path)
    assert result.exit_code == 0, result.output
    assert "psycopg2 2.9.10: builder gets gcc, libc6-dev, libpq-dev" in result.output
    built = build_app(
        tmp_path,
        "distroless",
        tag=f"dockwise-test/psycopg2:distroless-{RUN_ID}",
        source=BaseSource.LOCAL,
        labels=test_labels,
        ensure_bases=ensure_local_bases,
    )
    output = docker_client.containers.run(
        built.tag,
        ["/opt/venv/bin/python", "-c", PROBE],
        remove=True,
        read_only=True,
        user="65532:65532",
        network_disabled=True,
        labels=test_labels,
    ).decode()
    libpq, record, build_tools = output.split()[0], output.splitlines()[1], output.splitlines()[2]
    assert int(libpq) >= 150000  # libpq 15 (Debian 12) or 17 (Debian 13), loaded from the copied libpq5
    assert record == "Package: libpq5"  # scanners see the copied package
    assert build_tools == "False"  # the compiler and the headers stayed in the builder
