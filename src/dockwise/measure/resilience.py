"""How a running service holds up under load and faults, on containers started under the run profile.

Every probe is bounded in time and connection count and talks to 127.0.0.1 only, where the probes run
(dockwise.measure.reach: this host through the published port, or a helper in the service's network namespace):
- sustained load (wrk, 64 connections): errors, p50/p99, memory after the run against memory after warm-up;
- graceful stop under load: every request the server accepted completes, the exit code is 0, and an idle stop is
  quick;
- a worker killed with SIGKILL under load: the master replaces it and the service keeps answering;
- slow clients trickling headers: a normal request still answers within a second;
- malformed HTTP: 4xx (or a closed connection), never a 5xx, and the service is still up afterwards;
- a memory limit: the service runs under it, and if it is killed for memory, that is reported (OOMKilled).
Processes inside the container are found and signalled with the image's own Python through the engine, so no shell
is needed and the host's /proc is never read.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from dockwise.engine.containers import container_rss_bytes
from dockwise.measure import http_faults
from dockwise.measure.hardening import PYTHON_CANDIDATES
from dockwise.measure.load import LoadResult
from dockwise.measure.reach import Running

MAX_SLOW_CLIENTS = 200
HEALTHY_MS = 1000.0

CHILDREN = r"""
import json, os
kids = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            fields = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == "1":
            kids.append(int(pid))
print(json.dumps(sorted(kids)))
"""


@dataclass(frozen=True)
class SustainedLoad:
    load: LoadResult
    rss_after_warmup: int | None
    rss_after_load: int | None

    @property
    def rss_growth(self) -> float | None:
        if not self.rss_after_warmup or self.rss_after_load is None:
            return None
        return round(self.rss_after_load / self.rss_after_warmup, 3)

    def as_dict(self) -> dict[str, object]:
        return {
            "load": self.load.as_dict(),
            "rss_after_warmup": self.rss_after_warmup,
            "rss_after_load": self.rss_after_load,
            "rss_growth": self.rss_growth,
        }


@dataclass(frozen=True)
class StopUnderLoad:
    """`docker stop` under load. In flight = sent before the stop began; what clients send after that is refused
    or reset by design (the server stops listening; docker-proxy may still accept and then reset)."""

    exit_code: int | None
    stop_seconds: float
    completed: int  # requests sent before the stop that got a complete answer
    lost: int  # requests sent before the stop that got no complete answer: must be 0
    after_stop: int  # requests sent once the stop had begun (not counted as lost)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class WorkerCrash:
    killed_pid: int | None
    replaced: bool
    workers_before: tuple[int, ...]
    workers_after: tuple[int, ...]
    load: LoadResult | None
    answers_after: bool
    note: str

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["load"] = self.load.as_dict() if self.load else None
        return data


@dataclass(frozen=True)
class SlowClients:
    clients: int
    normal_request_ms: float | None  # None: it did not answer at all (within the probe's 5 s)
    status: int | None

    @property
    def held(self) -> bool:
        return self.normal_request_ms is not None and self.normal_request_ms < HEALTHY_MS and self.status is not None

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "held": self.held}


@dataclass(frozen=True)
class MalformedCase:
    name: str
    status: int | None  # None: the server closed the connection without an answer
    ok: bool


@dataclass(frozen=True)
class Malformed:
    cases: tuple[MalformedCase, ...]
    still_up: bool

    @property
    def held(self) -> bool:
        return self.still_up and all(case.ok for case in self.cases)

    def as_dict(self) -> dict[str, object]:
        return {"cases": [asdict(c) for c in self.cases], "still_up": self.still_up, "held": self.held}


@dataclass(frozen=True)
class Resilience:
    sustained: SustainedLoad | None = None
    worker_crash: WorkerCrash | None = None
    slow_clients: SlowClients | None = None
    malformed: Malformed | None = None
    stop: StopUnderLoad | None = None
    idle_stop_seconds: float | None = None
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        part = lambda value: value.as_dict() if value is not None else None  # noqa: E731
        return {
            "sustained": part(self.sustained),
            "worker_crash": part(self.worker_crash),
            "slow_clients": part(self.slow_clients),
            "malformed": part(self.malformed),
            "stop": part(self.stop),
            "idle_stop_seconds": self.idle_stop_seconds,
            "notes": list(self.notes),
        }


WARMUP_S = 3.0
SETTLE_S = 1.0


def sustained_load(running: Running, path: str, *, seconds: float, connections: int = 64) -> SustainedLoad:
    """Warm up under the same load (every worker thread and connection buffer allocated), then `seconds` of wrk at
    `connections`; memory is read a moment after each, so a leak shows as growth and warm-up does not."""
    running.reach.load(path, seconds=WARMUP_S, connections=connections)
    time.sleep(SETTLE_S)
    warm = container_rss_bytes(running.container)
    load = running.reach.load(path, seconds=seconds, connections=connections)
    time.sleep(SETTLE_S)
    return SustainedLoad(load, warm, container_rss_bytes(running.container))


def workers(container) -> tuple[int, ...]:
    """PIDs (in the container's namespace) of PID 1's children: the server's workers."""
    for python in PYTHON_CANDIDATES:
        result = container.exec_run([python, "-c", CHILDREN])
        if result.exit_code == 0:
            return tuple(json.loads(result.output.decode().strip().splitlines()[-1]))
    return ()


def kill_worker_under_load(running: Running, path: str, *, seconds: float = 5.0) -> WorkerCrash:
    """SIGKILL one worker a second into a `seconds` load; the master must start another and keep answering."""
    container = running.container
    before = workers(container)
    if not before:
        return WorkerCrash(
            None,
            False,
            (),
            (),
            None,
            running.answers(path),
            "no worker processes under PID 1 (a single-process server, or no Python to look)",
        )
    victim = before[-1]
    result: dict[str, LoadResult] = {}
    loader = threading.Thread(
        target=lambda: result.update(load=running.reach.load(path, seconds=seconds, connections=16))
    )
    loader.start()
    time.sleep(1.0)
    for python in PYTHON_CANDIDATES:
        if container.exec_run([python, "-c", f"import os, signal; os.kill({victim}, signal.SIGKILL)"]).exit_code == 0:
            break
    loader.join()
    after = _wait_for(lambda: workers(container), lambda found: len(found) >= len(before) and victim not in found, 10)
    replaced = len(after) >= len(before) and victim not in after
    return WorkerCrash(
        victim,
        replaced,
        before,
        after,
        result.get("load"),
        running.answers(path),
        f"killed worker {victim} with SIGKILL one second into a {seconds:.0f} s load",
    )


def slow_clients(running: Running, path: str, *, clients: int = MAX_SLOW_CLIENTS) -> SlowClients:
    """`clients` connections trickle their headers a byte at a time while one normal request is timed."""
    result = running.reach.call(http_faults.slow_clients, connections=min(clients, MAX_SLOW_CLIENTS), path=path)
    elapsed = round(result.normal_ms, 1) if result.normal_ms is not None else None
    return SlowClients(result.trickling, elapsed, result.normal_status)


BODY_LIMIT = 64 * 1024
"""The request-body bound the malformed cases probe around (the reference service's; any app should refuse far
beyond it, and 4xx near it is fine)."""


def malformed_http(running: Running, path: str) -> Malformed:
    """Each malformed request (`http_faults.malformed_requests`) must get a 4xx (or a closed connection): never a
    5xx; the service must still answer. A 2xx/3xx is fine where a server may legitimately accept (a traversal it
    normalises)."""
    statuses = running.reach.call(http_faults.malformed_statuses, body_limit=BODY_LIMIT)
    cases = [MalformedCase(name, status, status is None or status < 500) for name, status in statuses.items()]
    return Malformed(tuple(cases), running.answers(path))


def stop_under_load(
    running: Running, path: str, *, threads: int = 8, before_stop_s: float = 1.0, timeout_s: int = 10
) -> StopUnderLoad:
    """`docker stop` while `threads` clients send requests on fresh connections (where the probes run); count what
    was answered, what was refused (never accepted) and what was lost (sent on an accepted connection, not
    answered). In flight = sent before the clients asked for the stop; the engine's SIGTERM follows within one API
    call."""
    stopped = None
    with running.reach.stream(
        http_faults.requests_around_stop,
        path=path,
        threads=threads,
        before_stop_s=before_stop_s,
        max_s=before_stop_s + timeout_s + 15,
    ) as emitted:
        for line in emitted.lines:
            if line == "stop" and stopped is None:
                started = time.monotonic()
                running.container.stop(timeout=timeout_s)
                stopped = time.monotonic() - started
    exit_code = running.container.wait(timeout=30).get("StatusCode")
    counts = emitted.result or {}
    return StopUnderLoad(
        exit_code,
        round(stopped or 0.0, 2),
        counts.get("completed", 0),
        counts.get("lost", 0),
        counts.get("after_stop", 0),
    )


IDLE_AFTER_S = 2.0


def idle_stop_seconds(running: Running, path: str, timeout_s: int = 10) -> float:
    """How long `docker stop` takes on an idle service: one that has answered and then had `IDLE_AFTER_S` to finish
    starting every worker (a worker still booting may not stop gracefully: granian kills it after its timeout)."""
    running.wait_ok(path)
    time.sleep(IDLE_AFTER_S)
    started = time.monotonic()
    running.container.stop(timeout=timeout_s)
    return round(time.monotonic() - started, 2)


def _wait_for(
    get: Callable[[], tuple[int, ...]], ok: Callable[[tuple[int, ...]], bool], seconds: float
) -> tuple[int, ...]:
    deadline = time.monotonic() + seconds
    found = get()
    while not ok(found) and time.monotonic() < deadline:
        time.sleep(0.2)
        found = get()
    return found
