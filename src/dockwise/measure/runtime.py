"""Probe an image by running it: startup to first HTTP 200, idle RSS, the uid really running, exec refusal, load."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from dockwise.core.errors import DockwiseError
from dockwise.engine import containers
from dockwise.measure.load import LoadResult, run_load

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
        }


def _container_pid(container) -> int:
    container.reload()
    return int(container.attrs["State"]["Pid"])


def proc_uid(pid: int) -> int | None:
    """Real uid of a host process, from /proc (so it works in images without a shell or `id`)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Uid:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_cmdline(pid: int) -> tuple[str, ...]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ()
    return tuple(part.decode(errors="replace") for part in raw.split(b"\0") if part)


def container_rss_bytes(container) -> int | None:
    """Resident memory of all the container's processes (anonymous memory, without page cache)."""
    stats = container.stats(stream=False).get("memory_stats", {}).get("stats", {})
    for key in ("total_rss", "rss", "anon"):  # cgroup v1 hierarchy total, v1 own, v2
        if key in stats:
            return int(stats[key])
    return None


def exec_sh_refused(container) -> bool:
    """True when `docker exec <ctr> sh` cannot start a shell (no shell in the image)."""
    from docker.errors import APIError

    try:
        result = container.exec_run(["sh", "-c", "exit 0"])
    except APIError:
        return True
    return result.exit_code != 0


def time_to_first_ok(client, image: str, port: int, labels: dict[str, str], path: str = "/") -> float:
    """Milliseconds from `docker run` (create + start) to the first HTTP 200; the container is removed after."""
    started = time.monotonic()
    with containers.running(client, image, port=port, labels=labels) as published:
        containers.wait_for_http_ok(published, path)
        return (time.monotonic() - started) * 1000


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
            raise DockwiseError(f"{image} {' '.join(command)} exited {status.get('StatusCode')}: "
                                f"{containers.log_tail(container)}", "check that the image runs that command")
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


def probe_runtime(image: str, *, runs: int = 5, load_seconds: float = 3.0, labels: dict[str, str] | None = None,
                  port: int | None = None, path: str = "/", client=None) -> RuntimeFacts:
    """Run `image` `runs` times for startup, then once more, left idle, for memory, user, exec and load."""
    from dockwise.engine.client import sdk_client

    client = client or sdk_client()
    labels = labels or {}
    port = port or containers.exposed_tcp_port(client, image)
    if port is None:
        timings = [time_to_exit_or_running(client, image, labels) for _ in range(runs)]
    else:
        timings = [time_to_first_ok(client, image, port, labels, path) for _ in range(runs)]
    with containers.running(client, image, port=port, labels=labels) as published:
        if port is not None:
            containers.wait_for_http_ok(published, path)
        time.sleep(IDLE_SETTLE_S)
        rss = container_rss_bytes(published.container)
        pid = _container_pid(published.container)
        uid, pid1 = proc_uid(pid), proc_cmdline(pid)
        refused = exec_sh_refused(published.container)
        load = (run_load(published.host_port, path, seconds=load_seconds)
                if published.host_port is not None and load_seconds > 0 else None)
    return RuntimeFacts(image=image, port=port, startup=Timing(tuple(timings)), idle_rss_bytes=rss,
                        running_uid=uid, pid1_command=pid1, exec_sh_refused=refused, load=load)
