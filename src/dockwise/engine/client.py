"""Connections to the Docker Engine: the SDK client for the API, and an explicit CLI binary for BuildKit builds."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.core.platform import DOCKER_CLIENTS, DOCKERD_BINARIES
from dockwise.core.programs import run_program


@dataclass(frozen=True)
class CliClient:
    """A docker CLI binary and how it builds with BuildKit."""

    path: str
    version: str
    buildkit_via: str  # "buildx" or "DOCKER_BUILDKIT=1"

    def env(self) -> dict[str, str]:
        """The environment of a CLI run: aimed at the engine the SDK client talks to (see dockwise.engine.endpoint),
        BuildKit on."""
        from dockwise.engine.endpoint import resolve_endpoint

        env = resolve_endpoint().cli_env(os.environ)
        if self.buildkit_via == "DOCKER_BUILDKIT=1":
            env["DOCKER_BUILDKIT"] = "1"
        return env

    def build_command(self) -> list[str]:
        return [self.path, "buildx", "build", "--load"] if self.buildkit_via == "buildx" else [self.path, "build"]


def sdk_client(timeout: int = 120):
    """A docker SDK client for the engine the Docker CLI would use (--engine, DOCKER_HOST, DOCKER_CONTEXT, the
    current context, else the local socket); raises DockwiseError when none answers."""
    import docker
    from docker.errors import DockerException

    from dockwise.engine.endpoint import resolve_endpoint

    endpoint = resolve_endpoint()
    try:
        tls = None
        if endpoint.tls_dir is not None:
            tls = docker.tls.TLSConfig(
                client_cert=(str(endpoint.tls_dir / "cert.pem"), str(endpoint.tls_dir / "key.pem")),
                ca_cert=str(endpoint.tls_dir / "ca.pem") if endpoint.tls_verify else None,
                verify=endpoint.tls_verify,
            )
        client = docker.DockerClient(
            base_url=endpoint.host, timeout=timeout, tls=tls or False, use_ssh_client=endpoint.host.startswith("ssh://")
        )
        client.ping()
    except DockerException as exc:
        fix = (
            "run `dockwise doctor` to start one, or start dockerd yourself"
            if endpoint.local
            else "check that the engine runs and is reachable from here (`docker version`)"
        )
        raise DockwiseError(
            f"no Docker Engine answers at {endpoint.describe()} ({_short(exc)})", fix, exit_code=EXIT_USAGE
        ) from None
    return client


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]


def _client_version(path: str) -> str | None:
    try:
        out = run_program([path, "version", "--format", "{{.Client.Version}}"], tool="docker", timeout=20, check=False)
    except DockwiseError:
        return None
    version = out.stdout.strip()
    return version or None


def _has_buildx(path: str) -> bool:
    try:
        out = run_program([path, "buildx", "version"], tool="docker buildx", timeout=20, check=False)
    except DockwiseError:
        return False
    return out.returncode == 0


def _major(version: str) -> int:
    try:
        return int(version.split(".")[0])
    except ValueError:
        return 0


@lru_cache(maxsize=1)
def cli_client() -> CliClient:
    """The first docker CLI that can build with BuildKit: buildx if present, else a pre-23 client with DOCKER_BUILDKIT=1.

    Clients from 23 on route `docker build` to buildx and refuse without the plugin, so they only qualify with buildx.
    """
    candidates = [c for c in DOCKER_CLIENTS if os.access(c, os.X_OK)]
    on_path = shutil.which("docker")
    if on_path and on_path not in candidates:
        candidates.append(on_path)
    for path in candidates:
        version = _client_version(path)
        if version is None:
            continue
        if _has_buildx(path):
            return CliClient(path, version, "buildx")
        if _major(version) < 23:
            return CliClient(path, version, "DOCKER_BUILDKIT=1")
    raise DockwiseError(
        "no docker client here can build with BuildKit",
        "install Debian's docker.io (`apt-get install docker.io`) or the docker buildx plugin",
        exit_code=EXIT_USAGE,
    )


def dockerd_binary() -> Path | None:
    for candidate in DOCKERD_BINARIES:
        if os.access(candidate, os.X_OK):
            return Path(candidate)
    found = shutil.which("dockerd")
    return Path(found) if found else None
