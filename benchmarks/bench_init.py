"""`dockwise init`'s images of every real fixture app beside a typical hand-written Dockerfile, built in the same run.

The hand-written peer is what most tutorials show: the slim base (dockwise's local `python:3.X-slim` stands in for
the public one; nothing can be pulled here), `COPY . .`, `pip install -r requirements.txt` (or `pip install .`),
the same server command, root. For each app it prints size, startup to the first 2xx/3xx (median), req/s on the
health path, the seed practices passed, and `dockwise slim` of the distroless image (size, ratio, probes
identical), with ratios; and the bare `docker run --rm BASE python -c pass` of the
same base, timed the same way. dockwise's images run under the hardened profile, the hand-written one under the
engine's defaults (as root with a writable root it would not start hardened). Then the resilience suite (issue 11)
on each distroless image, hardened: sustained load, a worker killed, slow clients, malformed HTTP, stops.

    python benchmarks/bench_init.py [--runs 5] [--load-seconds 3] [--resilience-seconds 10] [--apps flaskr,inspector]
        [--json-out docs/benchmarks/bench-init.json]

It prints the tables `make docs` renders from the record `--json-out` writes (dockwise.report.bench_docs).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from dockwise.core.errors import DockwiseError
from dockwise.engine import containers
from dockwise.engine.buildkit import BuildRequest, build_image, host_ca_secret
from dockwise.engine.client import sdk_client
from dockwise.image import collect
from dockwise.image.practices import judge
from dockwise.jobs.build import BaseSource, build_app, ensure_local_bases
from dockwise.jobs.slim import slim_image
from dockwise.measure.load import run_load
from dockwise.measure.runtime import run_resilience, time_to_exit, time_to_first_ok
from dockwise.pyapp.bases import BASES
from dockwise.pyapp.detect import InitOptions, detect
from dockwise.report import bench_docs
from dockwise.service.profile import DEFAULT, HARDENED
from dockwise.slim.report import demo_column

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "apps"
SETUP = {"flaskr": "flask --app flaskr init-db", "django-skeleton": "python manage.py migrate"}
RUN = uuid.uuid4().hex[:8]
LABELS = {"dockwise.test": f"bench-init-{RUN}"}


def hand_written(app: Path, facts) -> str:
    """A typical hand-written Dockerfile for the app (no stages, everything copied, root)."""
    bases = BASES[facts.python.version]
    install = "pip install -r requirements.txt" if (app / "requirements.txt").is_file() else "pip install ."
    server = facts.server.server.name if facts.server.added else ""  # the same server dockwise adds, unpinned
    command = [facts.command[0].rsplit("/", 1)[-1], *facts.command[1:]]  # on PATH: no venv in a one-stage image
    if facts.setup:
        command = ["sh", "-c", shlex.join(facts.setup) + " && exec " + shlex.join(command)]
    return "\n".join(
        [
            f"FROM {bases.local_slim}",
            "WORKDIR /app",
            "COPY . .",
            "RUN --mount=type=secret,id=cacert,target=/run/secrets/cacert PIP_CERT=/run/secrets/cacert "
            f"{install} {server}",
            f"EXPOSE {facts.port}",
            f"CMD {json.dumps(command)}",
            "",
        ]
    )


def measure(client, tag: str, port: int, path: str, runs: int, load_seconds: float, profile) -> dict:
    timings = [time_to_first_ok(client, tag, port, LABELS, path, profile) for _ in range(runs)]
    with containers.running(client, tag, port=port, labels=LABELS, profile=profile) as published:
        containers.wait_for_http_ok(published, path)
        assert published.host_port is not None
        load = run_load(published.host_port, path, seconds=load_seconds, connections=32)
    facts = collect(tag, gzip_size=False)
    return {
        "size": facts.size_bytes,
        "startup_ms": statistics.median(timings),
        "rps": load.requests_per_s,
        "errors": load.socket_errors + load.non_2xx,
        "practices": sum(v.status == "pass" for v in judge(facts)),
    }


def resilience_row(suite) -> dict:
    """The resilience suite's outcome on one image, in the figures the README's table shows."""
    load, crash, stop = suite.sustained.load, suite.worker_crash, suite.stop
    return {
        "rps": load.requests_per_s,
        "errors": load.non_2xx + load.socket_errors,
        "p99_ms": load.p99_ms,
        "rss_growth": suite.sustained.rss_growth,
        "has_workers": crash.killed_pid is not None,
        "worker_replaced": crash.replaced and crash.answers_after,
        "crash_errors": (crash.load.non_2xx + crash.load.socket_errors) if crash.load else None,
        "slow_ms": suite.slow_clients.normal_request_ms,
        "slow_held": suite.slow_clients.held,
        "malformed": f"{sum(c.ok for c in suite.malformed.cases)}/{len(suite.malformed.cases)}",
        "stop_exit": stop.exit_code,
        "stop_lost": stop.lost,
        "idle_stop_s": suite.idle_stop_seconds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--load-seconds", type=float, default=3.0)
    parser.add_argument(
        "--resilience-seconds",
        type=float,
        default=10.0,
        help="sustained load of the resilience suite on each distroless image (0: skip it)",
    )
    parser.add_argument("--apps", default=",".join(sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())))
    parser.add_argument("--json-out", type=Path, help="write the run as JSON here (docs/benchmarks/bench-init.json)")
    args = parser.parse_args()
    started, load = time.time(), os.getloadavg()[0]
    client = sdk_client()
    rows = []
    with tempfile.TemporaryDirectory(prefix="dockwise-bench-init-") as tmp:
        try:
            for name in args.apps.split(","):
                app = Path(tmp) / name
                shutil.copytree(FIXTURES / name, app)
                from click.testing import CliRunner

                from dockwise.cli import main as cli

                init = CliRunner().invoke(cli, ["init", str(app), *(["--setup", SETUP[name]] if name in SETUP else [])])
                if init.exit_code != 0:
                    print(f"{name}: init failed: {init.output.strip().splitlines()[-1]}", file=sys.stderr)
                    continue
                facts = detect(app, InitOptions(setup=SETUP.get(name)))
                bases = BASES[facts.python.version]
                ensure_local_bases(bases.release)
                result = {"app": name, "python": facts.python.version}
                for variant in ("standard", "distroless"):
                    built = build_app(
                        app,
                        variant,
                        tag=f"dockwise-test/bench-init-{name}:{variant}-{RUN}",
                        source=BaseSource.LOCAL,
                        labels=LABELS,
                    )
                    result[variant] = measure(
                        client, built.tag, facts.port, facts.health_path, args.runs, args.load_seconds, HARDENED
                    )
                if args.resilience_seconds:
                    suite = run_resilience(
                        client,
                        f"dockwise-test/bench-init-{name}:distroless-{RUN}",
                        facts.port,
                        LABELS,
                        facts.health_path,
                        HARDENED,
                        args.resilience_seconds,
                    )
                    result["resilience"] = resilience_row(suite)
                try:
                    slim = slim_image(
                        f"dockwise-test/bench-init-{name}:distroless-{RUN}",
                        tag=f"dockwise-test/bench-init-{name}:slim-{RUN}",
                        labels=LABELS,
                    )
                except DockwiseError as error:  # recorded, not hidden: slim refused this app
                    result["slim"] = {"error": error.one_line()}
                else:
                    column = demo_column(slim.report)
                    result["slim"] = {
                        "size": column["size_bytes"],
                        "ratio": column["ratio_to_source"],
                        "probes_identical": column["probes_identical"],
                        "probes": column["probes"],
                    }
                (app / "Dockerfile.hand").write_text(hand_written(app, facts))
                hand_tag = f"dockwise-test/bench-init-{name}:hand-{RUN}"
                build_image(
                    BuildRequest(
                        context=app,
                        dockerfile=app / "Dockerfile.hand",
                        tag=hand_tag,
                        labels=LABELS,
                        secrets=host_ca_secret(),
                    )
                )
                result["hand"] = measure(
                    client, hand_tag, facts.port, facts.health_path, args.runs, args.load_seconds, DEFAULT
                )
                bare = [
                    time_to_exit(client, bases.local_slim, ["python3", "-c", "pass"], LABELS) for _ in range(args.runs)
                ]
                result["bare_ms"] = statistics.median(bare)
                rows.append(result)
                print(json.dumps(result), file=sys.stderr)
        finally:
            for container in client.containers.list(
                all=True, filters={"label": f"dockwise.test={LABELS['dockwise.test']}"}
            ):
                container.remove(force=True)
            for image in client.images.list(filters={"label": f"dockwise.test={LABELS['dockwise.test']}"}):
                client.images.remove(image.id, force=True)
    results = {
        "runs": args.runs,
        "load_seconds": args.load_seconds,
        "resilience_seconds": args.resilience_seconds,
        "apps": rows,
    }
    record = bench_docs.record("bench_init", sys.argv, started, load, results)
    print(bench_docs.bench_init(record))
    if args.json_out:
        bench_docs.write_record(args.json_out, record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
