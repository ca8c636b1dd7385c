"""Benchmark the reference service's images: size, startup and throughput, each beside its peer in the same run.

    .venv/bin/python benchmarks/bench_webapp.py [--runs 7] [--load-seconds 5]

Prints figures only; the README records them with the date and machine. Nothing here is a test.
- size: both app images and their bases, unpacked (engine's Size) and compressed (gzip -6 of `docker save`'s layers);
  goal: distroless app <= 60 MB unpacked and <= 0.5 x standard.
- startup: `docker run` to first HTTP 200 of each app image vs `docker run --rm <base> python3 -c pass` until it
  returns (exit and removal), both through the same API calls and clock, interleaved; goal: app / bare <= 1.0.
- throughput: gunicorn (the image's CMD) vs Flask's development server (what the seed's `python web_app.py` runs),
  same image, same wrk load on loopback; goal: >= 4x.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import platform
import statistics
import sys
import tarfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from dockwise.engine import containers
from dockwise.engine.client import TEST_LABEL, sdk_client
from dockwise.jobs.build import (
    BaseSource,
    build_app,
    bundled_app_dir,
    ensure_local_bases,
)
from dockwise.measure.load import run_load
from dockwise.measure.runtime import time_to_exit, time_to_first_ok

LABELS = {TEST_LABEL: "bench-" + uuid.uuid4().hex[:8]}
BASES = {"standard": "dockwise/python:3.13-slim", "distroless": "dockwise/distroless-python3-debian13:nonroot"}
BARE = {"standard": ["python3", "-c", "pass"], "distroless": ["-c", "pass"]}  # distroless' ENTRYPOINT is python
DEV_SERVER = ["flask", "--app", "web_app", "run", "--host", "0.0.0.0", "--port", "5000"]


def compressed_size(client, ref: str) -> int:
    total = 0
    data = b"".join(client.images.get(ref).save(named=False))
    with tarfile.open(fileobj=io.BytesIO(data)) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))
        for layer in manifest[0]["Layers"]:
            total += len(gzip.compress(outer.extractfile(layer).read(), compresslevel=6, mtime=0))
    return total


def mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def stats(values: list[float]) -> str:
    return f"median {statistics.median(values):.0f} ms (min {min(values):.0f}, max {max(values):.0f}, n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--load-seconds", type=float, default=5.0)
    args = parser.parse_args()

    client = sdk_client()
    ensure_local_bases()
    tags = {}
    for variant in ("standard", "distroless"):
        tags[variant] = build_app(bundled_app_dir(), variant, tag=f"dockwise-bench/webapp:{variant}",
                                  source=BaseSource.LOCAL, labels=LABELS).tag
    print(f"# bench_webapp {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()}, "
          f"{platform.machine()}, engine {client.version()['Version']}")
    try:
        print("\n## size (unpacked / gzip -6 of the layers)")
        sizes = {}
        for name, ref in [*((f"app {v}", t) for v, t in tags.items()), *((f"base {v}", b) for v, b in BASES.items())]:
            sizes[name] = client.images.get(ref).attrs["Size"]
            print(f"{name:18} {mb(sizes[name]):>10} / {mb(compressed_size(client, ref)):>9}   {ref}")
        print(f"distroless/standard app: {sizes['app distroless'] / sizes['app standard']:.2f}x "
              f"(goal <= 0.5x; distroless app <= 60 MB)")
        print("anchors: python:3.13-slim ~120-130 MB unpacked; distroless python3-debian12 ~54 MB")

        print("\n## startup: docker run -> first HTTP 200, vs docker run --rm <base> python -c pass -> returned")
        for variant, tag in tags.items():
            app_ms, bare_ms = [], []
            for _ in range(args.runs):  # interleaved so drift hits both alike
                app_ms.append(time_to_first_ok(client, tag, 5000, LABELS))
                bare_ms.append(time_to_exit(client, BASES[variant], BARE[variant], LABELS))
            ratio = statistics.median(app_ms) / statistics.median(bare_ms)
            print(f"{variant:10} app  {stats(app_ms)}")
            print(f"{variant:10} bare {stats(bare_ms)}")
            print(f"{variant:10} app/bare = {ratio:.2f}x (goal <= 1.0x)")

        print(f"\n## throughput: wrk -t2 -c32 for {args.load_seconds:.0f} s on GET /, same image (standard);"
              " through the published port, and inside the container's network namespace (no docker-proxy)")
        results = {}
        for server, command in (("gunicorn", None), ("flask dev server", DEV_SERVER)):
            with containers.running(client, tags["standard"], port=5000, labels=LABELS, command=command) as published:
                containers.wait_for_http_ok(published, "/")
                published.container.reload()
                pid = int(published.container.attrs["State"]["Pid"])
                via_proxy = run_load(published.host_port, "/", seconds=args.load_seconds, connections=32)
                results[server] = run_load(5000, "/", seconds=args.load_seconds, connections=32, netns_pid=pid)
            r = results[server]
            print(f"{server:17} {r.requests_per_s:8.0f} req/s in its namespace ({r.requests} requests, "
                  f"{r.non_2xx} non-2xx, {r.socket_errors} socket errors); {via_proxy.requests_per_s:.0f} req/s "
                  "through docker-proxy")
        ratio = results["gunicorn"].requests_per_s / results["flask dev server"].requests_per_s
        print(f"gunicorn / dev server = {ratio:.2f}x (goal >= 4x)")
    finally:
        for tag in tags.values():
            client.images.remove(tag, force=True)


if __name__ == "__main__":
    main()
