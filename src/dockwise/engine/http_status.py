"""The plain HTTP status probe: one GET over loopback, its status or None. Standard library only, on purpose: on a
remote engine its source runs, unchanged, in a helper container (`dockwise.measure.reach`), with the probes of
`dockwise.measure.http_faults` that use it."""

from __future__ import annotations

import http.client

LOOPBACK = "127.0.0.1"


def get_status(port: int, path: str = "/", timeout: float = 1.0, host: str = LOOPBACK) -> int | None:
    """The status of a GET to `host`:`port``path`, or None when nothing answers (refused, reset, timed out)."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def is_up(status: int | None) -> bool:
    """Any 2xx or 3xx answer counts as up (a login redirect is a live service)."""
    return status is not None and 200 <= status < 400
