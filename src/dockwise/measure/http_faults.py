"""HTTP faults a service must survive, sent over loopback: slow clients, malformed requests, a stop under load;
and the plain probes (a status, the first 2xx/3xx) that time and watch a service.

Every probe is bounded in connections and time and stops by itself; nothing here leaves 127.0.0.1.

This module is standard library only (with `dockwise.engine.http_status`, itself standard library only), on purpose:
on a remote engine its own source runs, unchanged, in a helper container that shares the service's network namespace
(dockwise.measure.reach), so every probe means the same wherever the engine is. `encode`/`decode` carry results (dataclasses, bytes) across as JSON.
"""

from __future__ import annotations

import base64
import dataclasses
import http.client
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from dockwise.engine.http_status import LOOPBACK, get_status, is_up


@dataclass(frozen=True)
class RawResponse:
    """What came back for raw bytes: the status (None: the server closed without answering) and the whole reply."""

    status: int | None
    data: bytes

    @property
    def body(self) -> bytes:
        return self.data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in self.data else b""


def _status(data: bytes) -> int | None:
    parts = data.split(b" ", 2)
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return None


def _complete(data: bytes) -> bool:
    """A whole response is in: headers, and as many body bytes as Content-Length says (no length: the head)."""
    if b"\r\n\r\n" not in data:
        return False
    head, body = data.split(b"\r\n\r\n", 1)
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return len(body) >= int(value.strip())
    return True


def send_raw(port: int, payload: bytes, *, timeout: float = 5.0, host: str = LOOPBACK) -> RawResponse:
    """Send `payload` as is on a new connection and read one response (until complete, closed or `timeout`).

    A server that resets the connection while the payload is still being sent (it refused an oversized request)
    has answered too: what it wrote before the reset is read back when the kernel still has it.
    """
    data = b""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        try:
            sock.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        deadline = time.monotonic() + timeout
        while not _complete(data) and time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            data += chunk
    return RawResponse(_status(data), data)


def request_bytes(method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body and not any(name.lower() in ("content-length", "transfer-encoding") for name in headers or {}):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def chunked(body: bytes, size: int = 8192) -> bytes:
    pieces = [b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size]) for i in range(0, len(body), size)]
    return b"".join(pieces) + b"0\r\n\r\n"


def malformed_requests(body_limit: int) -> dict[str, bytes]:
    """Named requests that a hardened HTTP service must refuse with a 4xx (or by closing), never a 500 or a crash.

    `body_limit` is the service's request body limit in bytes; the body cases go one byte and far beyond it.
    """
    over = b"x" * (body_limit + 1)
    return {
        "header 64 KiB": request_bytes("GET", "/", {"X-Big": "a" * 65536}),
        "header 1 MiB": request_bytes("GET", "/", {"X-Big": "a" * (1 << 20)}),
        "10,000 headers": request_bytes("GET", "/", {f"X-H{i}": "v" for i in range(10_000)}),
        "request line 64 KiB": request_bytes("GET", "/" + "a" * 65536),
        "body limit + 1": request_bytes("POST", "/api/digest", body=over),
        "chunked body limit + 1": request_bytes("POST", "/api/digest", {"Transfer-Encoding": "chunked"}, chunked(over)),
        "Content-Length 10 GB, no body": request_bytes("POST", "/api/digest", {"Content-Length": str(10**10)}),
        "Content-Length not a number": request_bytes("POST", "/api/digest", {"Content-Length": "abc"}, b"abc"),
        "Content-Length negative": request_bytes("POST", "/api/digest", {"Content-Length": "-1"}, b"x"),
        "two Content-Lengths": request_bytes(
            "POST", "/api/digest", {"Content-Length": "1", "content-length": "2"}, b"xy"
        ),
        "unknown method": request_bytes("BREW", "/"),
        "method with bad bytes": b"G\x01T / HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "method on the wrong route": request_bytes("DELETE", "/api/info"),
        "HTTP/9.9": b"GET / HTTP/9.9\r\nHost: localhost\r\n\r\n",
        "garbage request line": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n",
        "header without colon": b"GET / HTTP/1.1\r\nHost: localhost\r\nNoColonHere\r\n\r\n",
        "header name with space": b"GET / HTTP/1.1\r\nHost: localhost\r\nBad Name: v\r\n\r\n",
        "bad JSON": request_bytes("POST", "/api/echo", {"Content-Type": "application/json"}, b"{not json"),
        "JSON not an object": request_bytes("POST", "/api/echo", {"Content-Type": "application/json"}, b"[1, 2]"),
        "JSON nested 30,000 deep": request_bytes(
            "POST", "/api/echo", {"Content-Type": "application/json"}, b"[" * 30_000 + b"]" * 30_000
        ),
        "JSON invalid UTF-8": request_bytes(
            "POST", "/api/echo", {"Content-Type": "application/json"}, b'{"a": "\xff\xfe"}'
        ),
        "JSON as text/plain": request_bytes("POST", "/api/echo", {"Content-Type": "text/plain"}, b'{"a": 1}'),
        "traversal ../": request_bytes("GET", "/../../../../etc/passwd"),
        "traversal %2e%2e": request_bytes("GET", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd"),
        "traversal static": request_bytes("GET", "/static/../../../../etc/passwd"),
        "traversal encoded slash": request_bytes("GET", "/..%2f..%2f..%2fetc%2fpasswd"),
        "traversal backslash": request_bytes("GET", "/..\\..\\..\\etc\\passwd"),
        "bad percent-encoding": request_bytes("GET", "/%zz%"),
        "NUL in path": request_bytes("GET", "/api%00/info"),
    }


@dataclass(frozen=True)
class SlowClientResult:
    """A normal request's fate while `trickling` connections send their headers a byte at a time."""

    trickling: int
    still_trickling: int
    normal_status: int | None
    normal_ms: float | None  # None: no answer within the timeout


def _trickle(sockets: list[socket.socket], stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        for sock in list(sockets):
            try:
                sock.send(b"a")
            except OSError:
                sockets.remove(sock)


def slow_clients(
    port: int,
    *,
    connections: int = 200,
    hold_s: float = 1.0,
    timeout: float = 5.0,
    path: str = "/",
    interval: float = 0.2,
    host: str = LOOPBACK,
) -> SlowClientResult:
    """Open `connections` that send a request line and then one header byte every `interval` seconds, never ending
    their headers; after `hold_s`, time one normal GET `path` on a fresh connection. Everything closes at the end.
    """
    sockets: list[socket.socket] = []
    stop = threading.Event()
    trickler = threading.Thread(target=_trickle, args=(sockets, stop, interval), daemon=True)
    try:
        for _ in range(connections):
            sock = socket.create_connection((host, port), timeout=timeout)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            sockets.append(sock)
        trickler.start()
        time.sleep(hold_s)
        started = time.monotonic()
        try:
            response = send_raw(port, request_bytes("GET", path), timeout=timeout, host=host)
        except OSError:
            response = RawResponse(None, b"")
        elapsed_ms = (time.monotonic() - started) * 1000
        answered = response.status is not None and elapsed_ms < timeout * 1000
        return SlowClientResult(
            trickling=connections,
            still_trickling=len(sockets),
            normal_status=response.status,
            normal_ms=elapsed_ms if answered else None,
        )
    finally:
        stop.set()
        if trickler.is_alive():
            trickler.join(timeout=interval * 4)
        for sock in sockets:
            sock.close()


@dataclass(frozen=True)
class InFlight:
    """A POST whose body is half sent; `finish` sends the rest and reads the response."""

    sock: socket.socket
    rest: bytes

    def finish(self, timeout: float = 15.0) -> RawResponse:
        data = b""
        self.sock.settimeout(timeout)
        try:
            self.sock.sendall(self.rest)
            while not _complete(data):
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        finally:
            self.sock.close()
        return RawResponse(_status(data), data)


def start_in_flight(port: int, path: str, body: bytes, *, host: str = LOOPBACK) -> InFlight:
    """Begin a POST of `body` to `path` and send only its first half: the server holds a request in flight."""
    sock = socket.create_connection((host, port), timeout=15)
    head = request_bytes("POST", path, {"Content-Length": str(len(body))})
    half = len(body) // 2
    sock.sendall(head + body[:half])
    return InFlight(sock, body[half:])


def exchange(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    timeout: float = 10.0,
    host: str = LOOPBACK,
) -> dict[str, object]:
    """One request and its whole answer, as received: {"status", "body" (the exact bytes), "content_type",
    "seconds"}, or {"error": why} when nothing answers (refused, reset, timed out, not HTTP)."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    started = time.monotonic()
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return {
            "status": response.status,
            "body": data,
            "content_type": response.getheader("Content-Type") or "",
            "seconds": time.monotonic() - started,
        }
    except (OSError, http.client.HTTPException) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        connection.close()


def exchanges(port: int, requests: list[dict], host: str = LOOPBACK) -> list[dict[str, object]]:
    """`exchange` for each request (its keyword arguments) in turn, on fresh connections, until one gets no answer
    (that one's {"error"} ends the list): one call, so a helper container runs them all in one exec."""
    answers: list[dict[str, object]] = []
    for request in requests:
        answers.append(exchange(port, host=host, **request))
        if "error" in answers[-1]:
            break
    return answers


def first_ok(
    port: int,
    path: str = "/",
    timeout: float = 60.0,
    interval: float = 0.01,
    emit: Callable[[str], None] | None = None,
    host: str = LOOPBACK,
) -> float | None:
    """Poll GET `path` until it answers 2xx/3xx: the seconds that took, or None after `timeout`. `emit("polling")`
    says the first poll is about to go out (so a caller can start the service and its clock right after)."""
    if emit is not None:
        emit("polling")
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if is_up(get_status(port, path, timeout=1.0, host=host)):
            return time.monotonic() - started
        time.sleep(interval)
    return None


def malformed_statuses(port: int, body_limit: int, host: str = LOOPBACK) -> dict[str, int | None]:
    """Each of `malformed_requests(body_limit)` sent on its own connection: name -> status (None: closed unanswered)."""
    return {name: send_raw(port, payload, host=host).status for name, payload in malformed_requests(body_limit).items()}


def requests_around_stop(
    port: int,
    path: str,
    *,
    threads: int = 8,
    before_stop_s: float = 1.0,
    quiet_s: float = 1.0,
    max_s: float = 30.0,
    emit: Callable[[str], None] | None = None,
    host: str = LOOPBACK,
) -> dict[str, int]:
    """`threads` clients send GETs on fresh connections; after `before_stop_s`, `emit("stop")` asks the caller to
    stop the service. Requests sent before that moment are in flight: each is `completed` or `lost`; those sent
    later are counted apart (refused or reset by design). Ends once nothing has completed for `quiet_s` after the
    stop (or at `max_s`)."""
    outcomes: list[tuple[float, str]] = []
    lock = threading.Lock()
    done = threading.Event()
    last_completed = [time.monotonic()]

    def client() -> None:
        while not done.is_set():
            sent = time.monotonic()
            outcome = _one_request(host, port, path)
            with lock:
                outcomes.append((sent, outcome))
                if outcome == "completed":
                    last_completed[0] = time.monotonic()
            if outcome != "completed":
                time.sleep(0.05)

    pool = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    started = time.monotonic()
    for thread in pool:
        thread.start()
    time.sleep(before_stop_s)
    stop_at = time.monotonic()
    if emit is not None:
        emit("stop")
    while time.monotonic() - started < max_s:
        time.sleep(0.1)
        with lock:
            if time.monotonic() - max(last_completed[0], stop_at) > quiet_s:
                break
    done.set()
    for thread in pool:
        thread.join(timeout=20)
    with lock:
        before = [outcome for sent, outcome in outcomes if sent < stop_at]
        return {
            "completed": before.count("completed"),
            "lost": len(before) - before.count("completed"),
            "after_stop": len(outcomes) - len(before),
        }


def _one_request(host: str, port: int, path: str) -> str:
    connection = http.client.HTTPConnection(host, port, timeout=15)
    try:
        try:
            connection.connect()
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


def encode(value: object) -> object:
    """A JSON-able form of a probe's result: dataclasses by name and fields, bytes as base64."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "__dataclass__": type(value).__name__,
            **{f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    return value


def decode(value: object) -> object:
    """The inverse of `encode`, with this module's dataclasses."""
    if isinstance(value, dict):
        if "__bytes__" in value:
            return base64.b64decode(value["__bytes__"])
        fields = {key: decode(item) for key, item in value.items() if key != "__dataclass__"}
        name = value.get("__dataclass__")
        return getattr(sys.modules[__name__], name)(**fields) if isinstance(name, str) else fields
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value
