"""Which engine dockwise talks to: --engine, DOCKER_HOST, DOCKER_CONTEXT and the CLI's current context, resolved as
the Docker CLI resolves them, from a context store written the way `docker context create` writes it."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.engine.endpoint import DEFAULT_HOST, client_is_local, resolve_endpoint, use_engine


def _context(config: Path, name: str, host: str, *, tls: bool = False, skip_verify: bool = False) -> None:
    key = hashlib.sha256(name.encode()).hexdigest()
    meta = config / "contexts" / "meta" / key
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps(
            {
                "Name": name,
                "Metadata": {"Description": "test"},
                "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_verify}},
            }
        )
    )
    if tls:
        certs = config / "contexts" / "tls" / key / "docker"
        certs.mkdir(parents=True)
        for name in ("ca.pem", "cert.pem", "key.pem"):
            (certs / name).write_text("-----BEGIN CERTIFICATE-----\n")


def test_default_is_the_local_socket(tmp_path):
    endpoint = resolve_endpoint({"DOCKER_CONFIG": str(tmp_path)})
    assert (endpoint.host, endpoint.origin, endpoint.local) == (DEFAULT_HOST, "default", True)


def test_docker_host_wins_over_a_context(tmp_path):
    _context(tmp_path, "far", "tcp://10.0.0.9:2376")
    endpoint = resolve_endpoint(
        {"DOCKER_CONFIG": str(tmp_path), "DOCKER_HOST": "tcp://127.0.0.1:2375", "DOCKER_CONTEXT": "far"}
    )
    assert (endpoint.host, endpoint.origin, endpoint.local) == ("tcp://127.0.0.1:2375", "DOCKER_HOST", False)


def test_docker_context_names_the_endpoint(tmp_path):
    _context(tmp_path, "build-host", "ssh://ci@build.example")
    endpoint = resolve_endpoint({"DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "build-host"})
    assert (endpoint.host, endpoint.origin, endpoint.local) == ("ssh://ci@build.example", "context build-host", False)


def test_the_current_context_of_config_json(tmp_path):
    _context(tmp_path, "shared", "tcp://192.0.2.7:2376", tls=True)
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "shared"}))
    endpoint = resolve_endpoint({"DOCKER_CONFIG": str(tmp_path)})
    assert endpoint.host == "tcp://192.0.2.7:2376" and endpoint.tls_verify
    assert endpoint.tls_dir is not None and (endpoint.tls_dir / "ca.pem").is_file()
    env = endpoint.cli_env({"DOCKER_CONTEXT": "shared", "PATH": "/usr/bin"})
    assert env == {
        "PATH": "/usr/bin",
        "DOCKER_HOST": "tcp://192.0.2.7:2376",
        "DOCKER_CERT_PATH": str(endpoint.tls_dir),
        "DOCKER_TLS_VERIFY": "1",
    }


def test_the_default_context_is_the_local_socket(tmp_path):
    assert resolve_endpoint({"DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "default"}).host == DEFAULT_HOST


@pytest.mark.parametrize(
    ("environ", "says"),
    [
        ({"DOCKER_CONTEXT": "missing"}, "does not exist"),
        ({"DOCKER_HOST": "127.0.0.1:2375"}, "no engine address"),
    ],
)
def test_bad_endpoints_are_usage_errors(tmp_path, environ, says):
    with pytest.raises(DockwiseError) as caught:
        resolve_endpoint({"DOCKER_CONFIG": str(tmp_path), **environ})
    assert says in caught.value.cause and caught.value.exit_code == 2


def test_an_unreadable_context_is_named(tmp_path):
    _context(tmp_path, "broken", "tcp://x:1")
    meta = next((tmp_path / "contexts" / "meta").iterdir()) / "meta.json"
    meta.write_text("{not json")
    with pytest.raises(DockwiseError, match="unreadable"):
        resolve_endpoint({"DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "broken"})


def test_use_engine_is_docker_h():
    environ = {"DOCKER_CONTEXT": "far"}
    use_engine("tcp://127.0.0.1:2375", environ)
    assert environ == {"DOCKER_HOST": "tcp://127.0.0.1:2375"}
    with pytest.raises(DockwiseError):
        use_engine("localhost:2375", environ)


def test_engine_option_reaches_every_command():
    """`--engine` is a group option: a bad address is refused before any command talks to an engine."""
    result = subprocess.run(
        [sys.executable, "-m", "dockwise.cli", "--engine", "nowhere", "doctor"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "--engine is 'nowhere'" in result.stderr, result.stderr


def test_sdk_clients_are_local_only_over_a_unix_socket():
    import docker

    unix = docker.DockerClient(base_url="unix:///var/run/docker.sock", version="1.41")
    tcp = docker.DockerClient(base_url="tcp://127.0.0.1:1", version="1.41")
    assert client_is_local(unix) and not client_is_local(tcp)
