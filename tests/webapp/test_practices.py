"""The seed's eight practices, each asserted on the built images and their running containers."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from dockwise.engine import containers
from tests.host_proc import proc_cmdline, proc_uid
from tests.webapp.conftest import (
    JUNK,
    SECRET_MARKER,
    image_layers,
    layer_bytes,
    read_dir,
)

pytestmark = pytest.mark.engine

EXPECTED_APP_FILES = {
    "app",
    "app/web_app.py",
    "app/serve.py",
    "app/__pycache__",
    "app/__pycache__/web_app.cpython-313.pyc",
    "app/__pycache__/serve.cpython-313.pyc",
}
BASES = {
    "standard": "dockwise/python:3.13-slim",
    "distroless": "dockwise/distroless-python3-debian13:nonroot",
}


def config(client, tag: str) -> dict:
    return client.images.get(tag).attrs["Config"]


# 1. minimal base
def test_1_final_image_sits_on_the_minimal_base(docker_client, built):
    base_layers = docker_client.images.get(BASES[built.variant]).attrs["RootFS"]["Layers"]
    image_layers_ = docker_client.images.get(built.tag).attrs["RootFS"]["Layers"]
    assert image_layers_[: len(base_layers)] == base_layers, "the image does not start with the base's layers"
    size = docker_client.images.get(built.tag).attrs["Size"]
    assert size < 200 * 1024 * 1024, f"{size / 1e6:.0f} MB is not a slim image"


# 2. working directory
def test_2_working_directory_is_app(docker_client, built):
    assert config(docker_client, built.tag)["WorkingDir"] == "/app"


# 3. only the files the service needs
def test_3_app_dir_holds_exactly_the_service(docker_client, built, test_labels):
    entries = read_dir(docker_client, built.tag, "/app", test_labels)
    assert set(entries) == EXPECTED_APP_FILES


def test_3_requirements_never_copied_into_a_layer(docker_client, built):
    names = {m.name for layer in image_layers(docker_client, built.tag) for m in layer}
    assert not any(name.endswith("requirements.txt") for name in names)


# 4. .dockerignore: what the checkout holds besides the service never reaches the image
def test_4_context_junk_and_secrets_never_reach_the_image(docker_client, built):
    everything = layer_bytes(docker_client, built.tag)
    assert SECRET_MARKER.encode() not in everything, "a file from the context's junk (.env, .git, ...) reached a layer"
    names = {m.name for layer in image_layers(docker_client, built.tag) for m in layer}
    for junk in JUNK:
        if not junk.startswith("__pycache__/"):
            assert not any(name == f"app/{junk}" for name in names), junk
    assert not any(name.startswith(("app/.git", "app/.venv", "app/tests")) for name in names)


def test_4_dockerignore_excludes_the_seed_patterns():
    from tests.webapp.conftest import APP_DIR

    patterns = {line.strip() for line in (APP_DIR / ".dockerignore").read_text().splitlines()}
    for required in ("**/.venv", "**/*.pyc", "**/__pycache__", "**/*.env", "**/.git"):
        assert required in patterns


# 5. no pip cache, in any layer
def test_5_no_pip_cache_in_any_layer(docker_client, built):
    for index, layer in enumerate(image_layers(docker_client, built.tag)):
        cached = [m.name for m in layer if re.search(r"(^|/)\.cache/pip(/|$)", m.name)]
        assert not cached, f"layer {index} keeps a pip cache: {cached[:3]}"


def test_5_dependencies_precompiled_and_pinned(docker_client, built, test_labels):
    out = (
        docker_client.containers.run(
            built.tag,
            [
                "python3" if built.variant == "standard" else "/opt/venv/bin/python",
                "-c",
                "import importlib.metadata as m; print(m.version('flask'), m.version('granian'))",
            ],
            remove=True,
            labels=test_labels,
        )
        .decode()
        .split()
    )
    pins = dict(re.findall(r"^(flask|granian)==([\w.]+)", (built.context / "requirements.txt").read_text(), re.M))
    assert out == [pins["flask"], pins["granian"]]


# 6. the one port
def test_6_exposes_5000(docker_client, built):
    assert set(config(docker_client, built.tag)["ExposedPorts"]) == {"5000/tcp"}


# 7. exec-form CMD; the server is PID 1
def _listening_inodes(pid: int, port: int) -> set[str]:
    """Inodes of the TCP sockets listening on `port` in the network namespace of `pid` (state 0A = LISTEN)."""
    rows = [line.split() for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]]
    return {row[9] for row in rows if row[3] == "0A" and int(row[1].rsplit(":", 1)[1], 16) == port}


def _socket_inodes(pid: int) -> set[str]:
    links = (os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir())
    return {link[len("socket:[") : -1] for link in links if link.startswith("socket:[")}


def test_7_exec_form_and_server_is_pid_1(docker_client, built, test_labels):
    cfg = config(docker_client, built.tag)
    assert not cfg.get("Entrypoint")
    assert isinstance(cfg["Cmd"], list) and cfg["Cmd"][:2] != ["/bin/sh", "-c"]
    assert cfg["Cmd"][-1] == "/app/serve.py"
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels) as published:
        containers.wait_for_http_ok(published, "/healthz")
        published.container.reload()
        pid = int(published.container.attrs["State"]["Pid"])
        pid1, listening = proc_cmdline(pid), _listening_inodes(pid, 5000)
        workers = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        held = set().union(*(_socket_inodes(worker) for worker in workers))
    # PID 1 runs the image's CMD itself (no shell in between): the server's main process, whose forked workers
    # hold every socket listening on the service port.
    assert pid1 == tuple(cfg["Cmd"]), pid1
    assert len(workers) == 2
    assert listening and listening <= held, f"listening {listening}, held by PID 1's workers {held}"


# 8. not root
def test_8_runs_as_a_numeric_non_root_user(docker_client, built, test_labels):
    user = config(docker_client, built.tag)["User"]
    assert re.fullmatch(r"[1-9]\d*(:\d+)?", user), f"USER {user!r} is not numeric non-root"
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels) as published:
        containers.wait_for_http_ok(published, "/healthz")
        published.container.reload()
        uid = proc_uid(int(published.container.attrs["State"]["Pid"]))
        info = _get_json(published.host_port, "/api/info")
    assert uid == int(user.split(":")[0]) != 0
    assert info["uid"] == uid


def test_8_app_code_is_not_writable_by_the_app_user(docker_client, built, test_labels):
    uid = int(config(docker_client, built.tag)["User"].split(":")[0])
    for name, member in read_dir(docker_client, built.tag, "/app", test_labels).items():
        assert member.uid == 0, f"{name} is owned by uid {member.uid}"
        assert not member.mode & 0o002, f"{name} is world-writable"
        assert uid != 0


def _get_json(port: int, path: str) -> dict:
    import http.client
    import json

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status == 200
        return json.loads(response.read())
    finally:
        connection.close()


def test_sbom_of_the_reference_distroless_image_has_every_licence(docker_client, distroless, tmp_path):
    """The reference service's distroless image: 28 Debian packages and 8 wheels, each with an SPDX licence;
    syft 1.18.1 finds 33 of the 36 (none for the wheels that only say "BSD License" or use a classifier), and when
    the bench extra is installed its count is taken in this run and must not be beaten."""
    import json

    from dockwise.image import collect
    from dockwise.image.sbom import sbom_json
    from tests.image.syft import cyclonedx_counts, syft_binary, syft_counts

    archive = tmp_path / "reference.tar"
    with archive.open("wb") as handle:
        for chunk in docker_client.images.get(distroless.tag).save(named=True):
            handle.write(chunk)
    facts = collect(f"docker-archive:{archive}", licences=True)
    ours = cyclonedx_counts(json.loads(sbom_json(facts)))
    names = {d.name.lower(): d.licence for d in facts.python_distributions}
    assert names["flask"] == names["jinja2"] == "BSD-3-Clause" and names["blinker"] == "MIT"
    assert ours.licensed == ours.components >= 36
    binary = syft_binary()
    if binary is not None:
        theirs = syft_counts(binary, archive)
        assert ours.components == theirs.components and ours.licensed >= theirs.licensed
