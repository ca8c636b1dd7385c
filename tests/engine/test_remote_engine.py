"""Every engine command against a second engine reached over tcp:// (tests/engine/remote_engine.py): `doctor`,
`build`, `inspect` (through a docker context), `demo` (build, slim, runtime probes, hardening, resilience) and
`slim`. Runtime figures and slim's trace must come from inside the engine (a helper container in the service's
network namespace, exec in the traced container, volumes read through the API) and be right; the host's /proc
would be wrong there, and is shown to be.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import RUN_ID
from tests.engine.remote_engine import remote_engine
from tests.host_proc import proc_cmdline

pytestmark = [pytest.mark.engine, pytest.mark.root, pytest.mark.slow]

DISTROLESS_CMD = ["/opt/venv/bin/python", "/app/serve.py"]


@pytest.fixture(scope="module")
def remote(docker_client):
    started = time.monotonic()
    with remote_engine(docker_client, RUN_ID) as engine:
        print(f"second engine up with bases loaded in {time.monotonic() - started:.1f} s")
        yield engine


def dockwise(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    environ = {key: value for key, value in os.environ.items() if key not in ("DOCKER_HOST", "DOCKER_CONTEXT")}
    return subprocess.run(
        [sys.executable, "-m", "dockwise.cli", *args],
        capture_output=True,
        text=True,
        env={**environ, **(env or {})},
        cwd=cwd,
        timeout=900,
    )


@pytest.fixture(scope="module")
def built(remote):
    """The reference service's distroless image, built on the second engine by `dockwise --engine URL build`."""
    tag = f"dockwise-test/remote:{RUN_ID}"
    started = time.monotonic()
    result = dockwise("--engine", remote.url, "build", "--variant", "distroless", "--tag", tag)
    assert result.returncode == 0, result.stderr[-2000:]
    print(f"remote build {time.monotonic() - started:.1f} s: {result.stdout.strip()}")
    return tag, result.stdout.split()[1]


def test_doctor_names_the_remote_engine(remote, docker_client):
    result = dockwise("doctor", "--json", env={"DOCKER_HOST": remote.url})
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["engine"] == f"{remote.url} (remote, from DOCKER_HOST)"
    assert remote.client.info()["DockerRootDir"] == str(remote.root / "data")
    assert docker_client.info()["DockerRootDir"] != str(remote.root / "data")


def test_build_lands_on_the_remote_engine_only(remote, built, docker_client):
    from docker.errors import ImageNotFound

    tag, image_id = built
    assert remote.client.images.get(tag).id == image_id
    with pytest.raises(ImageNotFound):
        docker_client.images.get(tag)


def test_inspect_through_a_docker_context(remote, built, tmp_path):
    """A context made by the docker CLI itself, chosen with DOCKER_CONTEXT: inspect reads the remote image."""
    tag, image_id = built
    config = {"DOCKER_CONFIG": str(tmp_path)}
    created = subprocess.run(
        ["/usr/bin/docker", "context", "create", "dwtest", "--docker", f"host={remote.url}"],
        capture_output=True,
        text=True,
        env={**os.environ, **config},
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    result = dockwise("inspect", tag, "--format", "json", env={**config, "DOCKER_CONTEXT": "dwtest"})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["image"]["id"] == image_id and report["image"]["user"]["uid"] == 65532
    assert report["findings"] == []


def test_demo_measures_through_the_engine(remote, tmp_path):
    """`dockwise demo` on the remote engine: both variants built there and slimmed there, every runtime figure
    taken inside it and right."""
    started = time.monotonic()
    result = dockwise(
        "--engine",
        remote.url,
        "demo",
        "--runs",
        "2",
        "--load-seconds",
        "2",
        "--resilience-seconds",
        "2",
        "--report-json",
        str(tmp_path / "demo.json"),
        "--report-html",
        str(tmp_path / "demo.html"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    print(f"remote demo {time.monotonic() - started:.1f} s")
    report = json.loads((tmp_path / "demo.json").read_text())
    slim = report["slim"]
    assert slim["probes"] and all(p["identical"] for p in slim["probes"]), slim["probes"]
    assert slim["slim"]["size_bytes"] < slim["source"]["size_bytes"]
    assert remote.client.images.get(slim["slim"]["tag"]).id == slim["slim"]["id"]
    expected = {"standard": (10001, ["python", "/app/serve.py"], False), "distroless": (65532, DISTROLESS_CMD, True)}
    images = {image["reference"]: image for image in report["comparison"]["images"]}
    slim_runtime = images[slim["slim"]["tag"]]["runtime"]
    assert slim_runtime["engine"] == "remote" and slim_runtime["running_uid"] == 65532
    assert slim_runtime["load"]["requests"] > 100 and slim_runtime["load"]["non_2xx"] == 0, slim_runtime["load"]
    for variant, (uid, command, refused) in expected.items():
        runtime = images[report["builds"][variant]["tag"]]["runtime"]
        assert (
            runtime["engine"] == "remote"
            and "helper container in the service's network namespace" in runtime["reached"]
        )
        assert runtime["running_uid"] == uid and runtime["pid1_command"][-1] == command[-1]
        assert runtime["exec_sh_refused"] is refused
        assert runtime["startup_ms"]["runs"] == 2 and all(0 < ms < 30_000 for ms in runtime["startup_ms"]["all"])
        assert runtime["idle_rss_bytes"] and 5 << 20 < runtime["idle_rss_bytes"] < 256 << 20
        load = runtime["load"]
        assert load["requests"] > 100 and load["non_2xx"] == 0 and load["socket_errors"] == 0, load
        assert all(runtime["hardening"]["checks"].values()), runtime["hardening"]["checks"]
        suite = runtime["resilience"]
        assert suite["malformed"]["held"] and suite["slow_clients"]["held"], suite
        assert suite["stop"]["exit_code"] == 0 and suite["stop"]["lost"] == 0 and suite["stop"]["completed"] > 0
        assert suite["worker_crash"]["replaced"] and suite["worker_crash"]["answers_after"]
        print(variant, {key: runtime[key] for key in ("startup_ms", "idle_rss_bytes", "requests_per_s")})
    assert remote.client.images.get("dockwise/webapp:distroless")


def test_the_host_s_proc_would_have_been_wrong(remote, built):
    """The engine reports PIDs of its own namespace: the host process under that PID is not the service, so any
    figure read from the host's /proc would have been someone else's."""
    tag, _ = built
    container = remote.client.containers.run(tag, detach=True, labels={"dockwise.test": RUN_ID})
    try:
        container.reload()
        assert container.attrs["State"]["Running"]
        assert list(proc_cmdline(container.attrs["State"]["Pid"])) != DISTROLESS_CMD
    finally:
        container.remove(force=True)


SLIM_PROBES = Path(__file__).resolve().parents[2] / "examples" / "webapp" / "slim-probes.toml"
EXACT = (
    ("GET", "/healthz", b""),
    ("POST", "/api/digest", b"the seed's body"),
    ("GET", "/no/such/page", b""),
    ("DELETE", "/api/info", b""),
)
"""Requests whose answers hold nothing that changes between runs (the hostname, a pid, an uptime)."""


def _answers_in_the_engine(client, image: str) -> dict[tuple[str, str, bytes], dict]:
    """The exact answers of `image`, run on `client`'s engine and asked from a helper in its network namespace."""
    from dockwise.measure import http_faults, pod

    with pod.pod(client, image, port=5000, labels={"dockwise.test": RUN_ID}) as running:
        running.wait_ok("/healthz")
        return {
            request: running.reach.call(
                http_faults.exchange, method=request[0], path=request[1], headers={"Host": "localhost"}, body=request[2]
            )
            for request in EXACT
        }


def test_slim_traces_and_verifies_on_the_remote_engine(remote, built, docker_client, tmp_path):
    """`dockwise --engine URL slim`: traced, assembled and verified on the second engine, where the slim image then
    answers as the original does (asked again here, byte for byte); it is on that engine only, and the run left no
    container or volume there."""
    from docker.errors import ImageNotFound

    tag, image_id = built
    slim_tag = f"dockwise-test/remote-slim:{RUN_ID}"
    report_path = tmp_path / "slim.json"
    started = time.monotonic()
    result = dockwise(
        "--engine",
        remote.url,
        "slim",
        tag,
        "--tag",
        slim_tag,
        "--probe",
        str(SLIM_PROBES),
        "--report-json",
        str(report_path),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    print(f"remote slim {time.monotonic() - started:.1f} s")
    report = json.loads(report_path.read_text())
    assert report["source"]["id"] == image_id
    assert {p["name"] for p in report["probes"]} >= {"health GET /healthz", "GET /", "info", "digest", "not found"}
    assert all(p["identical"] for p in report["probes"]), report["probes"]
    assert report["healthcheck"]["original_exit"] == report["healthcheck"]["slim_exit"] == 0
    assert report["trace"]["python_interpreters"] and report["trace"]["mapped_files"] > 5
    assert report["slim"]["size_bytes"] < report["source"]["size_bytes"]
    assert remote.client.images.get(slim_tag).id == report["slim"]["id"]
    with pytest.raises(ImageNotFound):
        docker_client.images.get(slim_tag)
    for kind in (
        remote.client.containers.list(all=True, filters={"label": "dockwise.slim.run"}),
        remote.client.volumes.list(filters={"label": "dockwise.slim.run"}),
    ):
        assert kind == []
    original, slim = _answers_in_the_engine(remote.client, tag), _answers_in_the_engine(remote.client, slim_tag)
    assert all("status" in answer for answer in original.values()), original
    assert slim == {request: {**answer, "seconds": slim[request]["seconds"]} for request, answer in original.items()}
