"""How a running service holds up under load and faults, on containers started under the run profile.

Every probe is bounded in time and connection count and talks to 127.0.0.1 only:
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

import http.client
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from dockwise.engine.containers import LOOPBACK, Published, container_rss_bytes, http_status, wait_for_http_ok
from dockwise.measure.hardening import PYTHON_CANDIDATES
from dockwise.measure.load import LoadResult, run_load

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
        return {"load": self.load.as_dict(), "rss_after_warmup": self.rss_after_warmup,
                "rss_after_load": self.rss_after_load, "rss_growth": self.rss_growth}


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
        return {"sustained": part(self.sustained), "worker_crash": part(self.worker_crash),
                "slow_clients": part(self.slow_clients), "malformed": part(self.malformed), "stop": part(self.stop),
                "idle_stop_seconds": self.idle_stop_seconds, "notes": list(self.notes)}


WARMUP_S = 3.0
SETTLE_S = 1.0


def sustained_load(published: Published, path: str, *, seconds: float, connections: int = 64) -> SustainedLoad:
    """Warm up under the same load (every worker thread and connection buffer allocated), then `seconds` of wrk at
    `connections`; memory is read a moment after each, so a leak shows as growth and warm-up does not."""
    assert published.host_port is not None
    run_load(published.host_port, path, seconds=WARMUP_S, connections=connections)
    time.sleep(SETTLE_S)
    warm = container_rss_bytes(published.container)
    load = run_load(published.host_port, path, seconds=seconds, connections=connections)
    time.sleep(SETTLE_S)
    return SustainedLoad(load, warm, container_rss_bytes(published.container))


def workers(container) -> tuple[int, ...]:
    """PIDs (in the container's namespace) of PID 1's children: the server's workers."""
    for python in PYTHON_CANDIDATES:
        result = container.exec_run([python, "-c", CHILDREN])
        if result.exit_code == 0:
            return tuple(json.loads(result.output.decode().strip().splitlines()[-1]))
    return ()


def kill_worker_under_load(published: Published, path: str, *, seconds: float = 5.0) -> WorkerCrash:
    """SIGKILL one worker a second into a `seconds` load; the master must start another and keep answering."""
    assert published.host_port is not None
    container = published.container
    before = workers(container)
    if not before:
        return WorkerCrash(None, False, (), (), None, _answers(published, path),
                           "no worker processes under PID 1 (a single-process server, or no Python to look)")
    victim = before[-1]
    result: dict[str, LoadResult] = {}
    loader = threading.Thread(target=lambda: result.update(load=run_load(published.host_port or 0, path,
                                                                           seconds=seconds, connections=16)))
    loader.start()
    time.sleep(1.0)
    for python in PYTHON_CANDIDATES:
        if container.exec_run([python, "-c", f"import os, signal; os.kill({victim}, signal.SIGKILL)"]).exit_code == 0:
            break
    loader.join()
    after = _wait_for(lambda: workers(container), lambda found: len(found) >= len(before) and victim not in found, 10)
    replaced = len(after) >= len(before) and victim not in after
    return WorkerCrash(victim, replaced, before, after, result.get("load"), _answers(published, path),
                       f"killed worker {victim} with SIGKILL one second into a {seconds:.0f} s load")


def slow_clients(published: Published, path: str, *, clients: int = MAX_SLOW_CLIENTS, trickle_s: float = 4.0) -> SlowClients:
    """Open `clients` connections that send a request line and then one header byte at a time, slowly; while they
    trickle, time one normal request."""
    assert published.host_port is not None
    clients = min(clients, MAX_SLOW_CLIENTS)
    sockets: list[socket.socket] = []
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(0.5):
            for sock in list(sockets):
                try:
                    sock.send(b"X")
                except OSError:
                    sockets.remove(sock)

    try:
        for _ in range(clients):
            sock = socket.create_connection((LOOPBACK, published.host_port), timeout=5)
            sock.send(f"GET {path} HTTP/1.1\r\nHost: {LOOPBACK}\r\nX-Slow: ".encode())
            sockets.append(sock)
        thread = threading.Thread(target=trickle, daemon=True)
        thread.start()
        time.sleep(min(1.0, trickle_s / 2))
        started = time.monotonic()
        status = http_status(published.host_port, path, timeout=5.0)
        elapsed = (time.monotonic() - started) * 1000 if status is not None else None
        time.sleep(max(0.0, trickle_s - 1.0))
        return SlowClients(clients, round(elapsed, 1) if elapsed is not None else None, status)
    finally:
        stop.set()
        for sock in sockets:
            sock.close()


MALFORMED = (
    ("oversized header", lambda host: f"GET / HTTP/1.1\r\nHost: {host}\r\nX-Big: {'a' * 65536}\r\n\r\n".encode()),
    ("many headers", lambda host: (f"GET / HTTP/1.1\r\nHost: {host}\r\n" + "".join(f"X-{i}: 1\r\n" for i in range(300)) + "\r\n").encode()),
    ("huge declared body", lambda host: f"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Length: 104857600\r\n\r\n{'a' * 1024}".encode()),
    ("bad method", lambda host: f"BREW / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()),
    ("garbage request line", lambda host: b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"),
    ("bad JSON body", lambda host: f"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{{not json".encode()),
    ("path traversal", lambda host: f"GET /../../../../etc/passwd HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()),
    ("encoded traversal", lambda host: f"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()),
    ("bad HTTP version", lambda host: f"GET / HTTP/9.9\r\nHost: {host}\r\n\r\n".encode()),
)


def malformed_http(published: Published, path: str) -> Malformed:
    """Each malformed request must get a 4xx (or a closed connection): never a 5xx; the service must still answer.
    A 2xx/3xx is fine for requests a server may legitimately accept (a traversal it normalises)."""
    assert published.host_port is not None
    cases = []
    for name, build in MALFORMED:
        status = _raw_status(published.host_port, build(f"{LOOPBACK}:{published.host_port}"))
        cases.append(MalformedCase(name, status, status is None or status < 500))
    return Malformed(tuple(cases), _answers(published, path))


def stop_under_load(published: Published, path: str, *, threads: int = 8, before_stop_s: float = 1.0,
                    timeout_s: int = 10) -> StopUnderLoad:
    """`docker stop` while `threads` clients send requests on fresh connections; count what was answered, what was
    refused (never accepted) and what was lost (sent on an accepted connection, not answered)."""
    assert published.host_port is not None
    port = published.host_port
    outcomes: list[tuple[float, str]] = []  # (when the request was sent, outcome)
    lock = threading.Lock()
    done = threading.Event()

    def client() -> None:
        while not done.is_set():
            sent = time.monotonic()
            outcome = _one_request(port, path)
            with lock:
                outcomes.append((sent, outcome))
            if outcome != "completed":
                time.sleep(0.05)

    pool = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    time.sleep(before_stop_s)
    started = time.monotonic()
    published.container.stop(timeout=timeout_s)
    stopped = time.monotonic() - started
    done.set()
    for thread in pool:
        thread.join(timeout=20)
    exit_code = published.container.wait(timeout=30).get("StatusCode")
    before = [outcome for sent, outcome in outcomes if sent < started]
    return StopUnderLoad(exit_code, round(stopped, 2), before.count("completed"),
                         sum(1 for outcome in before if outcome != "completed"), len(outcomes) - len(before))


def idle_stop_seconds(published: Published, path: str, timeout_s: int = 10) -> float:
    """How long `docker stop` takes on an idle service that has answered once."""
    wait_for_http_ok(published, path)
    started = time.monotonic()
    published.container.stop(timeout=timeout_s)
    return round(time.monotonic() - started, 2)


def _one_request(port: int, path: str) -> str:
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=15)
    try:
        try:
            connection.connect()
        except ConnectionRefusedError:
            return "refused"
        except OSError:
            return "refused"
        try:
            connection.request("GET", path, headers={"Connection": "close"})
            response = connection.getresponse()
            response.read()
            return "completed" if response.status < 500 else "lost"
        except (OSError, http.client.HTTPException):
            return "lost"
    finally:
        connection.close()


def _raw_status(port: int, request: bytes) -> int | None:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=5) as sock:
            sock.sendall(request)
            head = sock.recv(128)
    except OSError:
        return None
    parts = head.split(b" ", 2)
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return None


def _answers(published: Published, path: str) -> bool:
    status = http_status(published.host_port or 0, path, timeout=3.0)
    return status is not None and 200 <= status < 400


def _wait_for(get: Callable[[], tuple[int, ...]], ok: Callable[[tuple[int, ...]], bool], seconds: float) -> tuple[int, ...]:
    deadline = time.monotonic() + seconds
    found = get()
    while not ok(found) and time.monotonic() < deadline:
        time.sleep(0.2)
        found = get()
    return found
