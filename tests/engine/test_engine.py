"""The engine layer against the real engine: doctor's facts, BuildKit builds, failures, loopback containers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.engine.buildkit import BuildRequest, build_image, parse_failure

DOCKWISE = [sys.executable, "-m", "dockwise.cli"]
pytestmark = pytest.mark.engine


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*DOCKWISE, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_doctor_reports_the_engine_that_answers(docker_client):
    result = run_cli("doctor", "--json")
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["server_version"] == docker_client.version()["Version"]
    assert facts["storage_driver"] == docker_client.info()["Driver"]
    assert facts["buildkit"] is True and Path(facts["client"]).is_file()


def test_buildkit_build_tags_on_success(docker_client, tmp_path, test_labels):
    (tmp_path / "hello.txt").write_text("hello\n")
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /hello.txt\n")
    tag = f"dockwise-test/engine-ok:{test_labels['dockwise.test']}"
    result = build_image(BuildRequest(tmp_path, tmp_path / "Dockerfile", tag, labels=test_labels))
    assert docker_client.images.get(tag).id == result.image_id


def test_failing_build_names_the_step_shows_its_log_and_tags_nothing(docker_client, tmp_path, test_labels):
    (tmp_path / "Dockerfile").write_text("FROM scratch AS base\nCOPY missing-file.txt /x\n")
    tag = f"dockwise-test/engine-fail:{test_labels['dockwise.test']}"
    with pytest.raises(DockwiseError) as caught:
        build_image(BuildRequest(tmp_path, tmp_path / "Dockerfile", tag, labels=test_labels))
    assert "COPY missing-file.txt" in caught.value.cause
    assert "\n" not in caught.value.one_line()
    from docker.errors import ImageNotFound

    with pytest.raises(ImageNotFound):
        docker_client.images.get(tag)


def test_failing_run_step_keeps_the_commands_output(tmp_path, test_labels, docker_client):
    # A RUN needs a base with a shell: any local image with /bin/sh will do, e.g. the slim base.
    base = "dockwise/python:3.13-slim"
    (tmp_path / "Dockerfile").write_text(f"FROM {base}\nRUN echo about-to-fail && exit 3\n")
    with pytest.raises(DockwiseError) as caught:
        build_image(BuildRequest(tmp_path, tmp_path / "Dockerfile", "dockwise-test/never:1", labels=test_labels))
    assert "RUN echo about-to-fail" in caught.value.cause
    assert any("about-to-fail" in line for line in caught.value.details)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, "no Dockerfile in"),
        ({"Dockerfile": "FROM scratch\n"}, "no ARG-selected base"),
    ],
)
def test_build_cli_rejects_an_incomplete_app_dir_in_one_line(tmp_path, files, expected):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = run_cli("build", str(tmp_path))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_build_cli_missing_directory(tmp_path):
    result = run_cli("build", str(tmp_path / "nope"))
    assert result.returncode != 0 and "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_taken_port_is_one_clear_error(docker_client, test_labels):
    import socket

    from dockwise.engine import containers

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        with pytest.raises(DockwiseError) as caught:
            containers.start(
                docker_client,
                "dockwise/python:3.13-slim",
                port=5000,
                labels=test_labels,
                host_port=port,
                command=["sleep", "30"],
            )
        assert "already taken" in caught.value.cause
    finally:
        holder.close()
    leftovers = docker_client.containers.list(
        all=True, filters={"label": f"dockwise.test={test_labels['dockwise.test']}", "status": "created"}
    )
    assert not [
        c
        for c in leftovers
        if c.attrs["HostConfig"]["PortBindings"].get("5000/tcp", [{}])[0].get("HostPort") == str(port)
    ]


def test_parse_failure_without_step_markers():
    failure = parse_failure(["error: failed to solve: rpc error: something broke"])
    assert failure.step == "(before any step)" and "something broke" in failure.reason
