"""Benchmark the resilience suite on the reference service's images, beside its peers in the same run.

    .venv/bin/python benchmarks/bench_resilience.py [--seconds 60] [--variants standard,distroless]
        [--json-out docs/benchmarks/bench-resilience.json]

For each image: the suite (`dockwise.measure.resilience`: sustained wrk load at 64 connections, a worker killed
under load, 200 slow clients, malformed HTTP, `docker stop` under load and idle) under the hardened run profile;
then the same image under the engine's default profile, and the same image running Flask's development server
(what the seed's `python web_app.py` runs) under the hardened profile. Prints figures; `--json-out` writes them as a
record, from which `make docs` renders docs/benchmarks/bench-resilience.md's table. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from dockwise.engine.client import sdk_client
from dockwise.jobs.build import BaseSource, build_app, bundled_app_dir
from dockwise.measure.resilience import Resilience
from dockwise.measure.runtime import run_resilience
from dockwise.service.labels import TEST as TEST_LABEL
from dockwise.service.profile import DEFAULT, HARDENED

LABELS = {TEST_LABEL: "bench-" + uuid.uuid4().hex[:8]}
DEV_SERVER = ["flask", "--app", "web_app", "run", "--host", "0.0.0.0", "--port", "5000"]


def summary(result: Resilience) -> list[str]:
    lines = []
    if result.sustained is not None:
        load, growth = result.sustained.load, result.sustained.rss_growth
        lines.append(
            f"sustained: {load.requests_per_s:,.0f} req/s over {load.seconds:.0f} s at {load.connections} "
            f"connections, {load.non_2xx} non-2xx, {load.socket_errors} socket errors, p50 {load.p50_ms} ms, "
            f"p99 {load.p99_ms} ms; RSS {_mib(result.sustained.rss_after_warmup)} after warm-up, "
            f"{_mib(result.sustained.rss_after_load)} after ({growth}x)"
        )
    if result.worker_crash is not None:
        crash = result.worker_crash
        errors = (
            f"{crash.load.non_2xx} non-2xx, {crash.load.socket_errors} socket errors of {crash.load.requests}"
            if crash.load
            else "no load figures"
        )
        lines.append(
            f"worker SIGKILL: replaced {crash.replaced}, answers after {crash.answers_after}, {errors}"
            + (f" ({crash.note})" if crash.note else "")
        )
    if result.slow_clients is not None:
        slow = result.slow_clients
        lines.append(
            f"{slow.clients} slow clients: a normal request in {slow.normal_request_ms} ms "
            f"(status {slow.status}, held {slow.held})"
        )
    if result.malformed is not None:
        bad = [f"{c.name}={c.status}" for c in result.malformed.cases if not c.ok]
        lines.append(
            f"malformed HTTP: {sum(c.ok for c in result.malformed.cases)}/{len(result.malformed.cases)} "
            f"4xx or closed, still up {result.malformed.still_up}" + (f"; 5xx: {', '.join(bad)}" if bad else "")
        )
    if result.stop is not None:
        stop = result.stop
        lines.append(
            f"docker stop under load: exit {stop.exit_code} in {stop.stop_seconds} s, {stop.completed} sent "
            f"before it completed, {stop.lost} lost, {stop.after_stop} sent after"
        )
    if result.idle_stop_seconds is not None:
        lines.append(f"docker stop idle: {result.idle_stop_seconds} s")
    lines.extend(f"note: {note}" for note in result.notes)
    return lines


def _mib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 2**20:.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="sustained load per run")
    parser.add_argument("--variants", default="standard,distroless")
    parser.add_argument(
        "--json-out", type=Path, help="write the run as JSON here (docs/benchmarks/bench-resilience.json)"
    )
    args = parser.parse_args()
    started, load = time.time(), os.getloadavg()[0]
    records = []
    client = sdk_client()
    print(
        f"# bench_resilience {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}, engine {client.version().get('Version')}"
    )
    tags = {}
    try:
        for variant in args.variants.split(","):
            tags[variant] = build_app(
                bundled_app_dir(),
                variant,
                tag=f"dockwise-bench/resilience:{variant}",
                source=BaseSource.LOCAL,
                labels=LABELS,
            ).tag
        for variant, tag in tags.items():
            runs = (
                ("granian (image), hardened profile", "hardened", HARDENED, {}),
                ("granian (image), engine defaults", "defaults", DEFAULT, {}),
                ("flask dev server, hardened profile", "dev server", HARDENED, {"command": DEV_SERVER}),
            )
            for name, column, profile, options in runs:
                print(f"\n## {variant}: {name}")
                result = run_resilience(client, tag, 5000, LABELS, "/", profile, args.seconds, **options)
                for line in summary(result):
                    print(f"  {line}")
                records.append({"variant": variant, "server": column, "run": name, "suite": result.as_dict()})
        print(f"\n# done {datetime.now(UTC):%H:%M} UTC, load average {os.getloadavg()[0]:.2f}")
    finally:
        for tag in tags.values():
            client.images.remove(tag, force=True)
    if args.json_out:
        from dockwise.report import bench_docs

        results = {"seconds": args.seconds, "runs": records}
        bench_docs.write_record(args.json_out, bench_docs.record("bench_resilience", sys.argv, started, load, results))


if __name__ == "__main__":
    main()
