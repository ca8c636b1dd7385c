"""Which engine dockwise talks to, chosen as the Docker CLI chooses: `--engine URL` (like `docker -H`), else
DOCKER_HOST, else the context named by DOCKER_CONTEXT or by `currentContext` in the CLI's config.json, else the
local socket. The SDK client and the CLI that runs BuildKit builds are both pointed at the one endpoint resolved
here, so a build and the probes that follow it always meet the same engine.

A context is read from the CLI's own store ($DOCKER_CONFIG/contexts: meta/<sha256 of the name>/meta.json and its
TLS files beside it), so no `docker` binary is needed to resolve one.

An engine is local when it is reached through a unix socket: its containers' processes are this host's and their
published ports are this host's loopback. Any other endpoint (tcp://, ssh://) is remote, and runtime probes then run
inside the engine (see dockwise.measure.pod).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dockwise.core.errors import EXIT_USAGE, DockwiseError

DEFAULT_HOST = "unix:///var/run/docker.sock"
ENGINE_ENV = "DOCKER_HOST"
LOCAL_SCHEMES = ("unix://", "npipe://")
REMOTE_SCHEMES = ("tcp://", "ssh://", "http://", "https://")


@dataclass(frozen=True)
class Endpoint:
    """An engine address and where it came from (`DOCKER_HOST`, `context NAME`, `default`, ...)."""

    host: str
    origin: str
    tls_dir: Path | None = None  # ca.pem, cert.pem, key.pem
    tls_verify: bool = False

    @property
    def local(self) -> bool:
        return self.host.startswith(LOCAL_SCHEMES)

    def cli_env(self, environ: Mapping[str, str]) -> dict[str, str]:
        """`environ` for a docker CLI that must reach this endpoint: DOCKER_HOST set, DOCKER_CONTEXT dropped (the
        CLI refuses both), TLS files named when the endpoint has them."""
        env = {key: value for key, value in environ.items() if key != "DOCKER_CONTEXT"}
        env[ENGINE_ENV] = self.host
        if self.tls_dir is not None:
            env["DOCKER_CERT_PATH"] = str(self.tls_dir)
            if self.tls_verify:
                env["DOCKER_TLS_VERIFY"] = "1"
        return env

    def describe(self) -> str:
        where = "local" if self.local else "remote"
        return f"{self.host} ({where}, from {self.origin})"


def config_dir(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("DOCKER_CONFIG") or Path(environ.get("HOME") or Path.home()) / ".docker")


def _check_host(host: str, origin: str) -> str:
    if not host.startswith(LOCAL_SCHEMES + REMOTE_SCHEMES):
        raise DockwiseError(
            f"{origin} is {host!r}, which is no engine address",
            "use unix:///path, tcp://HOST:PORT or ssh://USER@HOST",
            exit_code=EXIT_USAGE,
        )
    return host


def _context(name: str, environ: Mapping[str, str], origin: str) -> Endpoint:
    if name == "default":
        return Endpoint(DEFAULT_HOST, f"{origin} default")
    store = config_dir(environ) / "contexts"
    key = hashlib.sha256(name.encode()).hexdigest()
    meta = store / "meta" / key / "meta.json"
    try:
        data = json.loads(meta.read_text())
        docker = data["Endpoints"]["docker"]
        host = docker["Host"]
    except FileNotFoundError:
        raise DockwiseError(
            f"docker context {name!r} ({origin}) does not exist in {store}",
            "list contexts with `docker context ls`, or unset DOCKER_CONTEXT",
            exit_code=EXIT_USAGE,
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DockwiseError(
            f"docker context {name!r} is unreadable ({meta}: {exc})",
            "recreate it with `docker context create`",
            exit_code=EXIT_USAGE,
        ) from None
    tls = store / "tls" / key / "docker"
    return Endpoint(
        _check_host(str(host), f"context {name!r}"),
        f"context {name}",
        tls if tls.is_dir() else None,
        tls.is_dir() and not docker.get("SkipTLSVerify", False),
    )


def resolve_endpoint(environ: Mapping[str, str] | None = None) -> Endpoint:
    """The engine the Docker CLI would use in `environ` (default: this process's environment)."""
    environ = os.environ if environ is None else environ
    host = environ.get(ENGINE_ENV)
    if host:
        cert_path = environ.get("DOCKER_CERT_PATH")
        return Endpoint(
            _check_host(host, ENGINE_ENV),
            ENGINE_ENV,
            Path(cert_path) if cert_path else None,
            bool(environ.get("DOCKER_TLS_VERIFY")),
        )
    name = environ.get("DOCKER_CONTEXT")
    if name:
        return _context(name, environ, "DOCKER_CONTEXT")
    config = config_dir(environ) / "config.json"
    try:
        current = json.loads(config.read_text()).get("currentContext")
    except (OSError, ValueError, AttributeError):
        current = None
    if isinstance(current, str) and current:
        return _context(current, environ, f"currentContext of {config}")
    return Endpoint(DEFAULT_HOST, "default")


def use_engine(url: str, environ: os._Environ | dict[str, str]) -> None:
    """`--engine URL`: this process and every program it starts talk to URL (as `docker -H URL` would)."""
    environ[ENGINE_ENV] = _check_host(url, "--engine")
    environ.pop("DOCKER_CONTEXT", None)


def client_is_local(client) -> bool:
    """Whether an SDK client reaches its engine through a unix socket (the SDK names such a connection
    http+docker://localhost; tcp keeps its URL, ssh is http+docker://ssh)."""
    return getattr(getattr(client, "api", None), "base_url", "") in (
        "http+docker://localhost",
        "http+docker://localnpipe",
    )
