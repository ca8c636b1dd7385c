"""Probing a service through the engine alone: a helper container and the service share one network namespace,
like a Kubernetes pod, so HTTP probes, startup timing and wrk run next to the service, on its loopback.

The helper owns the namespace (network mode `none`: a loopback and nothing else) and the service joins it, so the
namespace exists before the service starts: a poller in the helper is already polling when the service is created,
and the startup is timed from `docker run` to the first 2xx/3xx it sees, as on a local engine. Nothing is
published, nothing leaves loopback, the host's /proc and filesystem are never used: this works on any engine the
API reaches (tcp://, ssh://, a context). Where the service must keep its own networking (`dockwise slim` runs it
as it runs), the helper joins the service's namespace instead, once it has started (`helper_joining`).

The helper image is built on that engine, for the engine's own architecture, from dockwise's slim base and Debian's
wrk, once per Dockerfile (tagged and labelled with its hash, like the bases: found again, never rebuilt). It runs as
nobody with the hardened profile's restrictions.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from dockwise.core.errors import DockwiseError
from dockwise.core.platform import DEFAULT_PLATFORM, PLATFORMS, Platform
from dockwise.engine import containers
from dockwise.measure import http_faults
from dockwise.measure.reach import PodReach, Running
from dockwise.service.labels import PROBE as PROBE_LABEL
from dockwise.service.profile import HARDENED, RunProfile
from dockwise.service.run_options import profile_options

PROBE_BASE = "dockwise/python:3.13-slim"
PROBE_STEPS = """RUN apt-get update \\
    && apt-get install -y --no-install-recommends wrk \\
    && rm -rf /var/lib/apt/lists/*
USER 65534:65534
"""
HELPER_PROFILE = RunProfile(
    name="probe-helper",
    read_only=True,
    tmpfs={"/tmp": "rw,nosuid,nodev,noexec,size=16m"},
    cap_drop=("ALL",),
    no_new_privileges=True,
    pids_limit=256,
)
HELPER_OPTIONS: dict[str, object] = {
    "command": ["sleep", "infinity"],
    "network_mode": "none",
    **profile_options(HELPER_PROFILE),
}


def engine_platform(client) -> Platform:
    """The engine host's own platform (the helper runs natively there, never emulated)."""
    machine = str(client.info().get("Architecture", ""))
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
    return PLATFORMS.get(f"linux/{arch}", DEFAULT_PLATFORM)


def probe_dockerfile(platform: Platform) -> str:
    return f"FROM {platform.tag(PROBE_BASE)}\n{PROBE_STEPS}"


def probe_key(platform: Platform = DEFAULT_PLATFORM) -> str:
    return hashlib.sha256(probe_dockerfile(platform).encode()).hexdigest()[:12]


def probe_tag(platform: Platform = DEFAULT_PLATFORM) -> str:
    return f"dockwise/probe:{probe_key(platform)}"


def ensure_probe_image(client, say: Callable[[str], None] = lambda _m: None) -> str:
    """The helper image on the client's engine, built there (about half a minute) when it is missing."""
    from docker.errors import ImageNotFound

    platform = engine_platform(client)
    tag, key = probe_tag(platform), probe_key(platform)
    try:
        if (client.images.get(tag).labels or {}).get(PROBE_LABEL) == key:
            return tag
    except ImageNotFound:
        pass
    from dockwise.debian.bases import ensure_bases
    from dockwise.engine.buildkit import BuildRequest, build_image

    say(f"building the probe helper image on the engine (dockwise's slim base + Debian's wrk, {platform})")
    ensure_bases(kinds=("slim",), say=say, platforms=(platform,))
    with tempfile.TemporaryDirectory(prefix="dockwise-probe-") as context:
        (Path(context) / "Dockerfile").write_text(probe_dockerfile(platform))
        build_image(
            BuildRequest(
                context=Path(context), dockerfile=Path(context) / "Dockerfile", tag=tag, labels={PROBE_LABEL: key}
            )
        )
    return tag


@contextlib.contextmanager
def helper(client, labels: dict[str, str]) -> Iterator:
    """A running helper container owning a fresh, loopback-only network namespace; removed on leaving."""
    container = client.containers.create(
        ensure_probe_image(client), labels={**labels, PROBE_LABEL: "helper"}, **HELPER_OPTIONS
    )
    try:
        container.start()
        yield container
    finally:
        containers.remove(container)


@contextlib.contextmanager
def helper_joining(client, service, labels: dict[str, str]) -> Iterator:
    """A running helper container in the network namespace of `service`, a container already running (it keeps
    its own networking, hostname and published ports); removed on leaving. Starting it fails (APIError) when
    `service` has stopped."""
    options = {**HELPER_OPTIONS, "network_mode": joined(service)}
    container = client.containers.create(
        ensure_probe_image(client), labels={**labels, PROBE_LABEL: "helper"}, **options
    )
    try:
        container.start()
        yield container
    finally:
        containers.remove(container)


def joined(helper_container) -> str:
    """The network mode that puts a container into another's network namespace."""
    return f"container:{helper_container.id}"


@contextlib.contextmanager
def pod(
    client, image: str, *, port: int, labels: dict[str, str], profile: RunProfile = HARDENED, **options
) -> Iterator[Running]:
    """The service (under the run `profile`) in a helper's network namespace, for a `with` block; both removed."""
    with helper(client, labels) as owner:
        published = containers.start(
            client, image, port=None, labels=labels, profile=profile, network_mode=joined(owner), **options
        )
        try:
            yield Running(published.container, PodReach(owner, port))
        finally:
            containers.remove(published.container)


def time_to_first_ok(
    client,
    image: str,
    port: int,
    labels: dict[str, str],
    path: str = "/",
    profile: RunProfile = HARDENED,
    timeout: float = 60.0,
) -> float:
    """Milliseconds from `docker run` (create + start) to the first 2xx/3xx, seen by a poller in the helper that was
    already polling before the service was created (one exec-stream delay to hear of it is included)."""
    with helper(client, labels) as owner:
        reach = PodReach(owner, port)
        with reach.stream(http_faults.first_ok, path=path, timeout=timeout) as emitted:
            if next(emitted.lines, None) != "polling":
                raise DockwiseError("the probe helper did not start polling", "check the engine's exec API")
            started = time.monotonic()
            published = containers.start(
                client, image, port=None, labels=labels, profile=profile, network_mode=joined(owner)
            )
            try:
                for _ in emitted.lines:
                    pass
                elapsed = (time.monotonic() - started) * 1000
                if emitted.result is None:
                    raise DockwiseError(
                        f"{image} never answered 2xx/3xx on {path} within {timeout:.0f} s; log tail: "
                        f"{containers.log_tail(published.container, 3)}",
                        "run the image by hand and read `docker logs`",
                    )
            finally:
                containers.remove(published.container)
    return elapsed
