"""Find a working Docker Engine, or (as root on Debian) install Debian's docker.io and start dockerd."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.core.hostpkg import apt_install
from dockwise.core.programs import start_daemon
from dockwise.engine.client import CliClient, cli_client, dockerd_binary, sdk_client

DOCKERD_LOG = Path("/var/log/dockwise-dockerd.log")
START_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class EngineInfo:
    """What `dockwise doctor` reports about the engine it found or started."""

    server_version: str
    storage_driver: str
    cgroup_version: str
    client: CliClient
    buildkit: bool
    started_by_us: bool
    registry: str  # "answers", "unreachable: …", or "not probed"
    endpoint: str = ""  # the address and where it came from (see dockwise.engine.endpoint)
    architecture: str = ""  # the engine host's, as the engine reports it (x86_64, aarch64)

    def as_dict(self) -> dict[str, object]:
        return {
            "engine": self.endpoint,
            "architecture": self.architecture,
            "server_version": self.server_version,
            "storage_driver": self.storage_driver,
            "cgroup_version": self.cgroup_version,
            "client": self.client.path,
            "client_version": self.client.version,
            "buildkit": self.buildkit,
            "buildkit_via": self.client.buildkit_via,
            "started_by_dockwise": self.started_by_us,
            "registry": self.registry,
        }


def _engine_answers() -> bool:
    try:
        sdk_client(timeout=5)
    except DockwiseError:
        return False
    return True


def _is_debian() -> bool:
    return Path("/etc/debian_version").exists()


def _start_dockerd(binary: Path, say: Callable[[str], None]) -> None:
    say(f"starting {binary} in the background (log: {DOCKERD_LOG})")
    DOCKERD_LOG.parent.mkdir(parents=True, exist_ok=True)
    start_daemon([str(binary)], log_path=str(DOCKERD_LOG))
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if _engine_answers():
            return
        time.sleep(0.5)
    tail = DOCKERD_LOG.read_text(errors="replace").strip().splitlines()[-1:] or ["(empty log)"]
    raise DockwiseError(
        f"dockerd did not answer within {START_TIMEOUT_S:.0f} s; last log line: {tail[0][:200]}",
        f"read {DOCKERD_LOG} for the cause",
    )


def ensure_engine(say: Callable[[str], None] = lambda _msg: None, probe_registry: bool = False) -> EngineInfo:
    """Return facts about a running engine, starting one first where we may (root on Debian)."""
    from dockwise.engine.endpoint import resolve_endpoint

    started = False
    if not _engine_answers():
        endpoint = resolve_endpoint()
        if not endpoint.local:  # a dockerd started here would not be the engine that was asked for
            sdk_client(timeout=5)  # raises, naming the endpoint
        if os.geteuid() != 0 or not _is_debian():
            raise DockwiseError(
                "no Docker Engine answers",
                "install and start Docker Engine (on Debian as root, `dockwise doctor` does it for you)",
                exit_code=EXIT_USAGE,
            )
        binary = dockerd_binary()
        if binary is None:
            apt_install(["docker.io"], say)
            binary = dockerd_binary()
            if binary is None:
                raise DockwiseError("docker.io installed but no dockerd binary found", "reinstall Debian's docker.io")
        _start_dockerd(binary, say)
        started = True
    client = sdk_client()
    info = client.info()
    version = client.version().get("Version", "unknown")
    cli = cli_client()
    registry = _probe_registry(client) if probe_registry else "not probed"
    return EngineInfo(
        server_version=version,
        storage_driver=info.get("Driver", "unknown"),
        cgroup_version=str(info.get("CgroupVersion", "unknown")),
        client=cli,
        buildkit=True,
        started_by_us=started,
        registry=registry,
        endpoint=resolve_endpoint().describe(),
        architecture=str(info.get("Architecture", "unknown")),
    )


def _probe_registry(client) -> str:
    """One metadata request through the engine for the public `python` image; no layers are pulled."""
    from docker.errors import DockerException

    try:
        client.api.inspect_distribution("python:3.13-slim")
    except DockerException as exc:
        return "unreachable: " + str(exc).splitlines()[0][:120]
    return "answers"
