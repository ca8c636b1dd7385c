"""wrk's summary, as Debian's wrk 4.1 prints it."""

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.measure.load import parse_wrk

SAMPLE = """Running 3s test @ http://127.0.0.1:5000/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.01ms    1.20ms  20.00ms   80.00%
    Req/Sec     2.00k   100.00     2.20k    70.00%
  12000 requests in 3.01s, 5.00MB read
  Non-2xx or 3xx responses: 7
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:   3986.71
Transfer/sec:      1.66MB
"""


def test_parse_wrk_summary():
    result = parse_wrk(SAMPLE, connections=16)
    assert (result.requests, result.seconds, result.requests_per_s) == (12000, 3.01, 3986.71)
    assert (result.non_2xx, result.socket_errors, result.connections) == (7, 3, 16)


def test_parse_wrk_without_summary_is_an_error():
    with pytest.raises(DockwiseError):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused", connections=1)


LATENCY = SAMPLE.replace(
    "  12000 requests",
    """  Latency Distribution
     50%    3.50ms
     75%    4.20ms
     90%    5.00ms
     99%    1.20s
  12000 requests""",
)


def test_parse_wrk_latency_percentiles():
    result = parse_wrk(LATENCY, connections=16)
    assert (result.p50_ms, result.p99_ms) == (3.5, 1200.0)
    assert parse_wrk(SAMPLE, connections=16).p99_ms is None
