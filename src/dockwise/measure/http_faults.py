"""HTTP faults a service must survive, sent over loopback: slow clients, malformed requests, a stop under load.

Every probe is bounded in connections and time and stops by itself; nothing here leaves 127.0.0.1.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

from dockwise.engine.containers import LOOPBACK


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
    pieces = [b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size]) for i in range(0, len(body), size)]
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
        "chunked body limit + 1": request_bytes("POST", "/api/digest", {"Transfer-Encoding": "chunked"},
                                                chunked(over)),
        "Content-Length 10 GB, no body": request_bytes("POST", "/api/digest", {"Content-Length": str(10 ** 10)}),
        "Content-Length not a number": request_bytes("POST", "/api/digest", {"Content-Length": "abc"}, b"abc"),
        "Content-Length negative": request_bytes("POST", "/api/digest", {"Content-Length": "-1"}, b"x"),
        "two Content-Lengths": request_bytes("POST", "/api/digest", {"Content-Length": "1", "content-length": "2"},
                                             b"xy"),
        "unknown method": request_bytes("BREW", "/"),
        "method with bad bytes": b"G\x01T / HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "method on the wrong route": request_bytes("DELETE", "/api/info"),
        "HTTP/9.9": b"GET / HTTP/9.9\r\nHost: localhost\r\n\r\n",
        "garbage request line": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n",
        "header without colon": b"GET / HTTP/1.1\r\nHost: localhost\r\nNoColonHere\r\n\r\n",
        "header name with space": b"GET / HTTP/1.1\r\nHost: localhost\r\nBad Name: v\r\n\r\n",
        "bad JSON": request_bytes("POST", "/api/echo", {"Content-Type": "application/json"}, b"{not json"),
        "JSON not an object": request_bytes("POST", "/api/echo", {"Content-Type": "application/json"}, b"[1, 2]"),
        "JSON nested 30,000 deep": request_bytes("POST", "/api/echo", {"Content-Type": "application/json"},
                                                 b"[" * 30_000 + b"]" * 30_000),
        "JSON invalid UTF-8": request_bytes("POST", "/api/echo", {"Content-Type": "application/json"},
                                            b'{"a": "\xff\xfe"}'),
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


def slow_clients(port: int, *, connections: int = 200, hold_s: float = 1.0, timeout: float = 5.0,
                 path: str = "/", interval: float = 0.2, host: str = LOOPBACK) -> SlowClientResult:
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
        return SlowClientResult(trickling=connections, still_trickling=len(sockets), normal_status=response.status,
                                normal_ms=elapsed_ms if answered else None)
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
