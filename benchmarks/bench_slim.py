"""Benchmark `dockwise slim` on the reference service's distroless image, beside that image in the same run.

    .venv/bin/python benchmarks/bench_slim.py [--runs 7] [--load-seconds 5] [--json-out docs/benchmarks/bench-slim.json]

Prints figures; `--json-out` writes them as a record, from which `make docs` renders docs/benchmarks/bench-slim.md's
table. Nothing here is a test.
- size: the distroless app image, its slim image (default rules) and the --only-traced-modules one, unpacked (the
  engine's Size), with the slim report's size by directory; goal: slim <= 20 MB unpacked;
- probes: the reference probe file (examples/webapp/slim-probes.toml) plus the defaults; goal: all identical;
- startup: `docker run` -> first HTTP 200 on /healthz, distroless and slim interleaved; goal: slim no slower;
- throughput: wrk -t2 -c32 on GET / and /healthz inside each container's network namespace, the two images
  alternated over several rounds (medians), and requests per CPU-second of the container (steadier on a shared
  machine); goal: slim no fewer req/s.
Everything it creates carries a dockwise.test label and is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from dockwise.engine import containers
from dockwise.engine.buildkit import BuildRequest, build_image, host_ca_secret
from dockwise.engine.client import sdk_client
from dockwise.jobs.build import BaseSource, build_app, bundled_app_dir, ensure_local_bases, variant
from dockwise.jobs.slim import slim_image
from dockwise.measure.load import run_load
from dockwise.measure.runtime import time_to_first_ok
from dockwise.service.labels import TEST as TEST_LABEL

LABELS = {TEST_LABEL: "bench-slim-" + uuid.uuid4().hex[:8]}
PROBES = Path(__file__).resolve().parents[1] / "examples" / "webapp" / "slim-probes.toml"
GOAL_BYTES = 20e6
"""The slim image of the reference service at most this many bytes unpacked."""


def mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def stats(values: list[float]) -> str:
    return f"median {statistics.median(values):.0f} ms (min {min(values):.0f}, max {max(values):.0f}, n={len(values)})"


def cpu_ns(container) -> int:
    return int(container.stats(stream=False)["cpu_stats"]["cpu_usage"]["total_usage"])


def load(client, image: str, seconds: float, path: str) -> tuple[float, float]:
    """(requests/s, requests per CPU-second of the container): the second is less at the mercy of whatever else
    shares the two cores."""
    with containers.running(client, image, port=5000, labels=LABELS) as published:
        containers.wait_for_http_ok(published, "/healthz")
        published.container.reload()
        pid = int(published.container.attrs["State"]["Pid"])
        before = cpu_ns(published.container)
        result = run_load(5000, path, seconds=seconds, connections=32, netns_pid=pid)
        used = (cpu_ns(published.container) - before) / 1e9
        return result.requests_per_s, result.requests / used if used else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--load-seconds", type=float, default=5.0)
    parser.add_argument("--load-rounds", type=int, default=3, help="rounds of (distroless, slim, slim, distroless)")
    parser.add_argument(
        "--runtime-image",
        help="the distroless runtime base to build on [default: what `dockwise build --variant distroless` uses]",
    )
    parser.add_argument("--json-out", type=Path, help="write the run as JSON here (docs/benchmarks/bench-slim.json)")
    args = parser.parse_args()
    started_at, load_at_start = time.time(), os.getloadavg()[0]

    client = sdk_client()
    ensure_local_bases()
    local_args = variant(bundled_app_dir(), "distroless").local_build_args()
    if args.runtime_image:
        request = BuildRequest(
            context=bundled_app_dir(),
            dockerfile=bundled_app_dir() / "Dockerfile.distroless",
            tag="dockwise-bench/slim-src:distroless",
            labels=LABELS,
            secrets=host_ca_secret(),
            build_args={**local_args, "RUNTIME_IMAGE": args.runtime_image},
        )
        source = build_image(request).tag
    else:
        source = build_app(
            bundled_app_dir(),
            "distroless",
            tag="dockwise-bench/slim-src:distroless",
            source=BaseSource.LOCAL,
            labels=LABELS,
        ).tag
    created = [source]
    print(
        f"# bench_slim {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()}, "
        f"{platform.machine()}, engine {client.version()['Version']} (machine shared with other work); "
        f"runtime base {args.runtime_image or local_args['RUNTIME_IMAGE']}"
    )
    try:
        started = time.monotonic()
        slim = slim_image(source, tag="dockwise-bench/slim-src:slim", probe_file=PROBES, labels=LABELS)
        slim_seconds = time.monotonic() - started
        created.append(slim.tag)
        narrow = slim_image(
            source, tag="dockwise-bench/slim-src:slim-only-traced", probe_file=PROBES, only_traced=True, labels=LABELS
        )
        created.append(narrow.tag)
        report = slim.report.as_dict()

        print("\n## size (unpacked: the engine's Size; layer tar bytes in brackets)")
        sizes = {}
        for name, ref, result in (
            ("distroless", source, None),
            ("slim", slim.tag, slim),
            ("slim --only-traced-modules", narrow.tag, narrow),
        ):
            size = sizes[name] = client.images.get(ref).attrs["Size"]
            tar = f" [{mb(result.report.as_dict()['slim']['size_bytes'])}]" if result else ""
            print(f"{name:28} {mb(size):>9}{tar}   {ref}")
        slim_size = client.images.get(slim.tag).attrs["Size"]
        print(
            f"slim / distroless: {slim_size / client.images.get(source).attrs['Size']:.2f}x; goal slim <= 20 MB: "
            f"{'met' if slim_size <= GOAL_BYTES else 'not met'}"
        )
        print(f"slim took {slim_seconds:.1f} s ({report['seconds']})")
        print("\n| directory | distroless | slim |\n|---|---|---|")
        for row in report["size_by_directory"]:
            print(f"| {row['directory']} | {mb(row['before'])} | {mb(row['after'])} |")
        print("\nkept because:", report["kept_by_reason"])

        print("\n## probes (original vs slim, masked fields aside)")
        for probe in report["probes"]:
            print(
                f"{probe['name']:24} {probe['original']['status']} {probe['original']['bytes']:5} B  "
                f"{probe['slim']['status']} {probe['slim']['bytes']:5} B  {'identical' if probe['identical'] else 'DIFFERS'}"
            )
        identical = sum(p["identical"] for p in report["probes"])
        print(f"{identical}/{len(report['probes'])} identical; HEALTHCHECK exit {report['healthcheck']}")

        print("\n## startup: docker run -> first HTTP 200 on /healthz, interleaved")
        times: dict[str, list[float]] = {"distroless": [], "slim": []}
        for _ in range(args.runs):
            for name, ref in (("distroless", source), ("slim", slim.tag)):
                times[name].append(time_to_first_ok(client, ref, 5000, LABELS, path="/healthz"))
        for name, values in times.items():
            print(f"{name:10} {stats(values)}")
        ratio = statistics.median(times["slim"]) / statistics.median(times["distroless"])
        print(f"slim / distroless = {ratio:.2f}x (goal <= 1.0x)")

        print(
            f"\n## throughput: wrk -t2 -c32 for {args.load_seconds:.0f} s inside each container's namespace,"
            f" {args.load_rounds} rounds of (distroless, slim, slim, distroless); medians"
        )
        order = (("distroless", source), ("slim", slim.tag), ("slim", slim.tag), ("distroless", source))
        throughput = {}
        for path in ("/", "/healthz"):
            rates: dict[str, list[float]] = {"distroless": [], "slim": []}
            per_cpu: dict[str, list[float]] = {"distroless": [], "slim": []}
            for _ in range(args.load_rounds):
                for name, ref in order:
                    rate, efficiency = load(client, ref, args.load_seconds, path)
                    rates[name].append(rate)
                    per_cpu[name].append(efficiency)
            throughput[path] = {name: {"rps": rates[name], "per_cpu": per_cpu[name]} for name in rates}
            medians = {name: statistics.median(values) for name, values in rates.items()}
            cpu = {name: statistics.median(values) for name, values in per_cpu.items()}
            for name in ("distroless", "slim"):
                print(
                    f"GET {path:9} {name:10} {medians[name]:6.0f} req/s {[round(v) for v in rates[name]]}; "
                    f"{cpu[name]:6.0f} requests per CPU-second {[round(v) for v in per_cpu[name]]}"
                )
            print(
                f"GET {path:9} slim / distroless = {medians['slim'] / medians['distroless']:.2f}x req/s, "
                f"{cpu['slim'] / cpu['distroless']:.2f}x per CPU-second (goal >= 1.0x)"
            )
    finally:
        for tag in reversed(created):
            client.images.remove(tag, force=True)
    if args.json_out:
        from dockwise.report import bench_docs

        results = {
            "runtime_image": args.runtime_image or local_args["RUNTIME_IMAGE"],
            "goal_bytes": GOAL_BYTES,
            "sizes": {
                "distroless": sizes["distroless"],
                "slim": sizes["slim"],
                "slim_only_traced": sizes["slim --only-traced-modules"],
            },
            "slim_seconds": round(slim_seconds, 2),
            "size_by_directory": report["size_by_directory"],
            "probes": {"identical": identical, "total": len(report["probes"])},
            "healthcheck": report["healthcheck"],
            "startup_ms": {name: [round(v, 1) for v in values] for name, values in times.items()},
            "throughput": throughput,
        }
        record = bench_docs.record("bench_slim", sys.argv, started_at, load_at_start, results)
        bench_docs.write_record(args.json_out, record)


if __name__ == "__main__":
    main()
