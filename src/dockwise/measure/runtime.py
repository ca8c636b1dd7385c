"""Probe an image by running it under the run profile: startup to the first 2xx/3xx, idle RSS, the uid and command
really running, whether `docker exec sh` is refused, load, the hardening proof and the resilience suite.

Everything is measured through the engine API and inside the container (`docker top`, `docker exec`, the stats
endpoint), never through the host's /proc. HTTP probes, startup timing and load reach the service from this host
through the port published on 127.0.0.1 when the engine is local, and from a helper container in the service's
network namespace when it is not (dockwise.measure.pod), so the figures hold for a remote engine as they do for a
local one; `reached` says which."""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass

from dockwise.core.errors import DockwiseError
from dockwise.engine import containers
from dockwise.measure import pod
from dockwise.measure.hardening import HardeningFacts, probe_hardening
from dockwise.measure.load import LoadResult
from dockwise.measure.reach import HostReach, Running
from dockwise.measure.resilience import Resilience
from dockwise.service.profile import HARDENED, RunProfile

IDLE_SETTLE_S = 2.0


@dataclass(frozen=True)
class Timing:
    """Milliseconds over several runs."""

    runs_ms: tuple[float, ...]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs_ms)

    def as_dict(self) -> dict[str, object]:
        return {
            "median": round(self.median_ms, 1),
            "min": round(min(self.runs_ms), 1),
            "max": round(max(self.runs_ms), 1),
            "runs": len(self.runs_ms),
            "all": [round(ms, 1) for ms in self.runs_ms],
        }


@dataclass(frozen=True)
class RuntimeFacts:
    image: str
    port: int | None
    startup: Timing
    idle_rss_bytes: int | None
    running_uid: int | None
    pid1_command: tuple[str, ...]
    exec_sh_refused: bool
    load: LoadResult | None
    profile: str = HARDENED.name
    hardening: HardeningFacts | None = None
    resilience: Resilience | None = None
    engine: str = "local"  # "local", or "remote" (probes ran inside the engine)
    reached: str = ""  # how the HTTP probes, startup timing and load reached the service

    @property
    def requests_per_s(self) -> float | None:
        return self.load.requests_per_s if self.load else None

    def as_dict(self) -> dict[str, object]:
        return {
            "image": self.image,
            "port": self.port,
            "startup_ms": self.startup.as_dict(),
            "idle_rss_bytes": self.idle_rss_bytes,
            "running_uid": self.running_uid,
            "pid1_command": list(self.pid1_command),
            "exec_sh_refused": self.exec_sh_refused,
            "requests_per_s": self.requests_per_s,
            "load": self.load.as_dict() if self.load else None,
            "profile": self.profile,
            "hardening": self.hardening.as_dict() if self.hardening else None,
            "resilience": self.resilience.as_dict() if self.resilience else None,
            "engine": self.engine,
            "reached": self.reached,
        }


def pid1(container) -> tuple[int | None, tuple[str, ...]]:
    """The uid and command line of the container's PID 1, from the engine's `docker top` (numeric uid, so an image
    without /etc/passwd or a shell is no obstacle)."""
    container.reload()
    host_pid = str(container.attrs["State"]["Pid"])
    listing = container.top(ps_args="-o pid,uid,args")
    titles = [title.upper() for title in listing.get("Titles") or []]
    for row in listing.get("Processes") or []:
        entry = dict(zip(titles, row))
        if entry.get("PID") == host_pid:
            uid = entry.get("UID", "")
            command = entry.get("COMMAND") or entry.get("ARGS") or ""
            return (int(uid) if uid.isdigit() else None), tuple(command.split())
    return None, ()


def exec_sh_refused(container) -> bool:
    """True when `docker exec <ctr> sh` cannot start a shell (no shell in the image)."""
    from docker.errors import APIError

    try:
        result = container.exec_run(["sh", "-c", "exit 0"])
    except APIError:
        return True
    return result.exit_code != 0


def time_to_first_ok(
    client, image: str, port: int, labels: dict[str, str], path: str = "/", profile: RunProfile = HARDENED
) -> float:
    """Milliseconds from `docker run` (create + start) to the first 2xx/3xx; the container is removed after."""
    started = time.monotonic()
    with containers.running(client, image, port=port, labels=labels, profile=profile) as published:
        containers.wait_for_http_ok(published, path)
        return (time.monotonic() - started) * 1000


@contextlib.contextmanager
def serving(
    client,
    image: str,
    *,
    port: int | None,
    labels: dict[str, str],
    profile: RunProfile = HARDENED,
    remote: bool = False,
    **options,
) -> Iterator[Running]:
    """The service under the run `profile`, reachable from where the probes run: this host through its published
    port (`remote` False), or a helper in its network namespace. Removed however the block ends."""
    if remote and port is not None:
        with pod.pod(client, image, port=port, labels=labels, profile=profile, **options) as running:
            yield running
        return
    with containers.running(client, image, port=port, labels=labels, profile=profile, **options) as published:
        yield Running(published.container, HostReach(published.host_port or 0))


def time_to_exit(client, image: str, command: list[str], labels: dict[str, str]) -> float:
    """Milliseconds that `docker run --rm <image> <command>` takes: start, run to exit, and removal.

    The bare-runtime baseline for startup: the CLI returns only once the container is removed, so the removal is
    part of what a user waits for.
    """
    started = time.monotonic()
    container = containers.start(client, image, port=None, labels=labels, command=command).container
    try:
        status = container.wait(timeout=60)
        if status.get("StatusCode") != 0:
            raise DockwiseError(
                f"{image} {' '.join(command)} exited {status.get('StatusCode')}: {containers.log_tail(container)}",
                "check that the image runs that command",
            )
    finally:
        containers.remove(container)
    return (time.monotonic() - started) * 1000


def time_to_exit_or_running(client, image: str, labels: dict[str, str], timeout: float = 60.0) -> float:
    """For images without a port: milliseconds until the process is running (or has exited cleanly)."""
    started = time.monotonic()
    container = containers.start(client, image, port=None, labels=labels).container
    try:
        while time.monotonic() - started < timeout:
            container.reload()
            if container.status in ("running", "exited"):
                return (time.monotonic() - started) * 1000
            time.sleep(0.005)
        raise DockwiseError(f"{image} was still {container.status!r} after {timeout:.0f} s", "see `docker logs`")
    finally:
        containers.remove(container)


def probe_runtime(
    image: str,
    *,
    runs: int = 5,
    load_seconds: float = 3.0,
    labels: dict[str, str] | None = None,
    port: int | None = None,
    path: str = "/",
    client=None,
    profile: RunProfile = HARDENED,
    resilience_seconds: float = 0.0,
) -> RuntimeFacts:
    """Run `image` `runs` times for startup, then once more, left idle, for memory, user, exec, hardening and load;
    with `resilience_seconds` > 0, the resilience suite too (its sustained load lasts that long)."""
    from dockwise.engine.client import sdk_client
    from dockwise.engine.endpoint import client_is_local

    client = client or sdk_client()
    labels = labels or {}
    remote = not client_is_local(client)
    port = port or containers.exposed_tcp_port(client, image)
    if port is None:
        timings = [time_to_exit_or_running(client, image, labels) for _ in range(runs)]
    elif remote:
        timings = [pod.time_to_first_ok(client, image, port, labels, path, profile) for _ in range(runs)]
    else:
        timings = [time_to_first_ok(client, image, port, labels, path, profile) for _ in range(runs)]
    with serving(client, image, port=port, labels=labels, profile=profile, remote=remote) as running:
        if port is not None:
            running.wait_ok(path)
        time.sleep(IDLE_SETTLE_S)
        rss = containers.container_rss_bytes(running.container)
        uid, command = pid1(running.container)
        refused = exec_sh_refused(running.container)
        hardening = probe_hardening(running.container, profile.name)
        load = running.reach.load(path, seconds=load_seconds) if port is not None and load_seconds > 0 else None
        reached = running.reach.describe() if port is not None else "no port: startup is the time to running"
    resilience = (
        run_resilience(client, image, port, labels, path, profile, resilience_seconds, remote=remote)
        if port is not None and resilience_seconds > 0
        else None
    )
    return RuntimeFacts(
        image=image,
        port=port,
        startup=Timing(tuple(timings)),
        idle_rss_bytes=rss,
        running_uid=uid,
        pid1_command=command,
        exec_sh_refused=refused,
        load=load,
        profile=profile.name,
        hardening=hardening,
        resilience=resilience,
        engine="remote" if remote else "local",
        reached=reached,
    )


def run_resilience(
    client,
    image: str,
    port: int,
    labels: dict[str, str],
    path: str,
    profile: RunProfile,
    seconds: float,
    *,
    remote: bool | None = None,
    **options,
) -> Resilience:
    """The resilience suite, each fault on a container of its own (a killed worker must not colour the load); its
    probes run where `serving` puts them (remote None: decided from the client); `options` go to every container
    (a `command` to run another server in the same image)."""
    from dockwise.engine.endpoint import client_is_local
    from dockwise.measure import resilience as suite

    remote = not client_is_local(client) if remote is None else remote

    def fresh():
        return serving(client, image, port=port, labels=labels, profile=profile, remote=remote, **options)

    with fresh() as running:
        running.wait_ok(path)
        sustained = suite.sustained_load(running, path, seconds=seconds)
        malformed = suite.malformed_http(running, path)
        slow = suite.slow_clients(running, path)
    with fresh() as running:
        running.wait_ok(path)
        crash = suite.kill_worker_under_load(running, path, seconds=max(3.0, min(seconds, 10.0)))
    with fresh() as running:
        running.wait_ok(path)
        stop = suite.stop_under_load(running, path)
    with fresh() as running:
        idle = suite.idle_stop_seconds(running, path)
    return Resilience(
        sustained=sustained,
        worker_crash=crash,
        slow_clients=slow,
        malformed=malformed,
        stop=stop,
        idle_stop_seconds=idle,
    )
