"""Benchmark the reference service's images: size, startup and throughput, each beside its peer in the same run.

    .venv/bin/python benchmarks/bench_webapp.py [--runs 7] [--load-seconds 5] [--json-out docs/benchmarks/bench-webapp.json]

Prints figures; `--json-out` writes them as a record, from which `make docs` renders docs/benchmarks/bench-webapp.md's
table. Nothing here is a test.
- size: both app images and their bases, unpacked (engine's Size) and compressed (gzip -6 of `docker save`'s layers);
  goal: distroless app <= 60 MB unpacked and <= 0.5 x standard.
- startup: `docker run` to first HTTP 200 of each app image vs `docker run --rm <base> python3 -c pass` until it
  returns (exit and removal), both through the same API calls and clock, interleaved; goal: app / bare <= 1.0.
- throughput: the image's server (granian, started by its CMD) vs Flask's development server (what the seed's
  `python web_app.py` runs), same image, same wrk load on loopback, the JSON access log on in both; goal: >= 5x.
  benchmarks/bench_servers.py compares the server candidates themselves.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import platform
import statistics
import sys
import tarfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from dockwise.engine import containers
from dockwise.engine.client import sdk_client
from dockwise.jobs.build import (
    BaseSource,
    build_app,
    bundled_app_dir,
    ensure_local_bases,
)
from dockwise.measure.load import run_load
from dockwise.measure.runtime import time_to_exit, time_to_first_ok
from dockwise.service.labels import TEST as TEST_LABEL

LABELS = {TEST_LABEL: "bench-" + uuid.uuid4().hex[:8]}
BASES = {"standard": "dockwise/python:3.13-slim", "distroless": "dockwise/distroless-python3-debian13:nonroot"}
BARE = {"standard": ["python3", "-c", "pass"], "distroless": ["-c", "pass"]}  # distroless' ENTRYPOINT is python
DEV_SERVER = ["flask", "--app", "web_app", "run", "--host", "0.0.0.0", "--port", "5000"]
PYTHON = {"standard": "python", "distroless": "/opt/venv/bin/python"}


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


def _instant(text: str) -> float:
    """Seconds since the epoch of an RFC 3339 time with up to nanoseconds (the engine's) or milliseconds (the app's)."""
    whole, _, fraction = text.rstrip("Z").partition(".")
    seconds = datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp()
    return seconds + float("0." + (fraction or "0"))


def startup_phases(client, tag: str) -> dict[str, float]:
    """One `docker run` -> first 200, cut at the engine's StartedAt and the server's own log lines (same clock)."""
    t_create = time.time()
    with containers.running(client, tag, port=5000, labels=LABELS) as published:
        t_started = time.time()
        containers.wait_for_http_ok(published, "/")
        t_ok = time.time()
        published.container.reload()
        process = _instant(published.container.attrs["State"]["StartedAt"])
        lines = [json.loads(line) for line in published.container.logs().decode().splitlines() if line.startswith("{")]
    boot = min(_instant(e["ts"]) for e in lines if e["msg"].startswith("Starting granian"))
    ready = max(_instant(e["ts"]) for e in lines if e["msg"].startswith("Started worker"))
    return {
        "engine: create + start until the process runs": process - t_create,
        "python + imports, until serve.py starts granian": boot - process,
        "granian: bind, fork the workers, until all serve": ready - boot,
        "first request answered (polling every 10 ms)": t_ok - ready,
        "(start API call returned at)": t_started - t_create,
    }


def import_split(client, tag: str, python: str) -> dict[str, float]:
    """Self time of every module serve.py imports, by top-level package (-X importtime, so inflated alike)."""
    err = client.containers.run(
        tag,
        [python, "-X", "importtime", "-c", "import serve"],
        remove=True,
        stdout=False,
        stderr=True,
        labels=LABELS,
        working_dir="/app",
    ).decode()
    split: dict[str, float] = {}
    for line in err.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            package = parts[2].strip().split(".")[0]
            split[package] = split.get(package, 0.0) + int(parts[0]) / 1000
    return split


GOALS = {"distroless_bytes": 60e6, "size_ratio": 0.5, "throughput_ratio": 5.0, "startup_ratio": 1.0}
"""Issue 10's goals: distroless app <= 60 MB and <= 0.5x standard; granian >= 5x the dev server; startup <= 1.0x bare."""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--load-seconds", type=float, default=5.0)
    parser.add_argument("--json-out", type=Path, help="write the run as JSON here (docs/benchmarks/bench-webapp.json)")
    args = parser.parse_args()
    started, load = time.time(), os.getloadavg()[0]

    client = sdk_client()
    ensure_local_bases()
    tags = {}
    for variant in ("standard", "distroless"):
        tags[variant] = build_app(
            bundled_app_dir(), variant, tag=f"dockwise-bench/webapp:{variant}", source=BaseSource.LOCAL, labels=LABELS
        ).tag
    engine = client.version()["Version"]
    print(
        f"# bench_webapp {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()}, "
        f"{platform.machine()}, engine {engine}"
    )
    variants: dict[str, dict] = {variant: {} for variant in tags}
    try:
        print("\n## size (unpacked / gzip -6 of the layers)")
        for variant, tag in tags.items():
            for prefix, ref in (("app", tag), ("base", BASES[variant])):
                size, packed = client.images.get(ref).attrs["Size"], compressed_size(client, ref)
                variants[variant] |= {f"{prefix}_bytes": size, f"{prefix}_gzip_bytes": packed}
                print(f"{prefix + ' ' + variant:18} {mb(size):>10} / {mb(packed):>9}   {ref}")
        print(
            f"distroless/standard app: {variants['distroless']['app_bytes'] / variants['standard']['app_bytes']:.2f}x "
            f"(goal <= 0.5x; distroless app <= 60 MB)"
        )
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
            phases = [startup_phases(client, tag) for _ in range(args.runs)]
            medians = {phase: statistics.median(p[phase] for p in phases) for phase in phases[0]}
            for phase, seconds in medians.items():
                print(f"{variant:10}   {phase:50} median {seconds * 1000:5.0f} ms")
            split = import_split(client, tag, PYTHON[variant])
            top = sorted(split.items(), key=lambda item: -item[1])[:8]
            print(
                f"{variant:10}   imports by package, -X importtime self ms (total {sum(split.values()):.0f}): "
                + ", ".join(f"{name} {ms:.0f}" for name, ms in top)
            )
            variants[variant] |= {
                "startup": {"app_ms": [round(v, 1) for v in app_ms], "bare_ms": [round(v, 1) for v in bare_ms]},
                "phases_s": {phase: round(seconds, 4) for phase, seconds in medians.items()},
                "imports_ms": {name: round(ms, 1) for name, ms in split.items()},
            }

        print(
            f"\n## throughput: wrk -t2 -c32 for {args.load_seconds:.0f} s on GET /, same image; through the published"
            " port, and inside the container's network namespace (no docker-proxy)"
        )
        for variant, tag in tags.items():
            variants[variant]["throughput"] = throughput(client, tag, variant, args.load_seconds)
    finally:
        for tag in tags.values():
            client.images.remove(tag, force=True)
    if args.json_out:
        from dockwise.report import bench_docs

        results = {
            "engine": engine,
            "runs": args.runs,
            "load_seconds": args.load_seconds,
            "goals": GOALS,
            "variants": variants,
        }
        bench_docs.write_record(args.json_out, bench_docs.record("bench_webapp", sys.argv, started, load, results))


def throughput(client, tag: str, variant: str, load_seconds: float) -> dict[str, dict[str, float]]:
    """granian (the image's server) and the dev server: req/s in the container's namespace and through the proxy."""
    results = {}
    for server, label, command in (
        ("granian", "granian (image)", None),
        ("dev_server", "flask dev server", DEV_SERVER),
    ):
        with containers.running(client, tag, port=5000, labels=LABELS, command=command) as published:
            containers.wait_for_http_ok(published, "/")
            published.container.reload()
            pid = int(published.container.attrs["State"]["Pid"])
            via_proxy = run_load(published.host_port, "/", seconds=load_seconds, connections=32)
            r = run_load(5000, "/", seconds=load_seconds, connections=32, netns_pid=pid)
        results[server] = {
            "rps": round(r.requests_per_s, 1),
            "proxy_rps": round(via_proxy.requests_per_s, 1),
            "requests": r.requests,
            "non_2xx": r.non_2xx,
            "socket_errors": r.socket_errors,
        }
        print(
            f"{variant:10} {label:17} {r.requests_per_s:8.0f} req/s in its namespace ({r.requests} requests, "
            f"{r.non_2xx} non-2xx, {r.socket_errors} socket errors); {via_proxy.requests_per_s:.0f} req/s "
            "through docker-proxy"
        )
    ratio = results["granian"]["rps"] / results["dev_server"]["rps"]
    print(f"{variant:10} granian / dev server = {ratio:.2f}x (goal >= 5x, access log on)")
    return results


if __name__ == "__main__":
    main()
