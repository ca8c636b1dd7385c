"""Benchmark WSGI server candidates for the reference service, both image variants, every figure beside its peer.

    .venv/bin/python benchmarks/bench_servers.py [--runs 7] [--load-seconds 5] [--repeats 3] [--only NAME,...]
        [--json-out docs/benchmarks/bench-servers.json]

Both variants are built once from the reference app's own Dockerfiles, with benchmarks/servers/requirements.txt
(hash-pinned: the app's pins plus every candidate) in place of the app's requirements; each candidate is the same
image started with another command. Per candidate and variant:
- req/s on GET / with the JSON access log on: wrk -t2 -c32 inside the container's network namespace (loopback, no
  docker-proxy), the median of --repeats runs taken in rounds over all candidates, and its ratio to Flask's
  development server (what the seed's `python web_app.py` runs) measured in the same rounds; goal >= 5x. The access
  lines written are counted against the requests wrk completed (every request must log one; wrk does not count
  the ones it cut off at the end, so lines >= requests).
- startup: `docker run` -> first HTTP 200 on /, median of --runs rounds over all candidates, each round with one
  `docker run --rm <base> python -c pass` (which returns after exit and removal) as the shared peer; goal <= 1.0x.
- slow clients: a normal GET / while 200 connections trickle their headers a byte every 0.2 s; goal < 1 s.
- stop: `docker stop` (10 s grace) of an idle container that has served, its duration and exit code; goal < 2 s, 0.
- the candidate's own packages, unpacked, in the distroless image.
The machine may be shared: read ratios taken in the same run, not absolute figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from dockwise.engine import containers as containers
from dockwise.engine.buildkit import BuildRequest, build_image, host_ca_secret
from dockwise.engine.client import sdk_client
from dockwise.jobs.build import bundled_app_dir, ensure_local_bases
from dockwise.jobs.build import variant as app_variant
from dockwise.measure.http_faults import slow_clients
from dockwise.measure.load import run_load
from dockwise.measure.runtime import time_to_exit
from dockwise.service.labels import TEST as TEST_LABEL

LABELS = {TEST_LABEL: "bench-servers-" + uuid.uuid4().hex[:8]}
REQUIREMENTS = Path(__file__).resolve().parent / "servers" / "requirements.txt"
BASES = {"standard": "dockwise/python:3.13-slim", "distroless": "dockwise/distroless-python3-debian13:nonroot"}
BARE = {"standard": ["python3", "-c", "pass"], "distroless": ["-c", "pass"]}  # distroless' ENTRYPOINT is python
PYTHON = {"standard": "python", "distroless": "/opt/venv/bin/python"}
# Stdlib modules the other candidates import, so that the distroless image holds their bytecode too.
PRECOMPILE = (
    "gunicorn.app.wsgiapp gunicorn.arbiter gunicorn.workers.gthread gunicorn.workers.ggevent gevent.monkey "
    "gevent.pywsgi waitress waitress.runner pyruvate flask.cli werkzeug.serving granian.cli"
)
GUNICORN = [
    "-m",
    "gunicorn",
    "-b",
    "0.0.0.0:5000",
    "-w",
    "2",
    "--worker-tmp-dir",
    "/dev/shm",
    "--graceful-timeout",
    "8",
    "--keep-alive",
    "5",
    "--no-control-socket",
]
DEV_SERVER = "flask dev server"


@dataclass(frozen=True)
class Candidate:
    name: str
    args: tuple[str, ...]  # after the interpreter
    packages: tuple[str, ...]


CANDIDATES = (
    Candidate(DEV_SERVER, ("-m", "flask", "--app", "web_app", "run", "--host", "0.0.0.0", "--port", "5000"), ()),
    Candidate(
        "gunicorn gthread 2x4 (before)",
        (*GUNICORN, "-k", "gthread", "--threads", "4", "--preload", "web_app:app"),
        ("gunicorn",),
    ),
    Candidate(
        "gunicorn gthread 2x32",
        (*GUNICORN, "-k", "gthread", "--threads", "32", "--preload", "web_app:app"),
        ("gunicorn",),
    ),
    Candidate(
        "gunicorn gevent 2x1000",
        (*GUNICORN, "-k", "gevent", "--worker-connections", "1000", "web_app:app"),
        ("gunicorn", "gevent", "greenlet", "zope.event", "zope.interface"),
    ),
    Candidate(
        "waitress 8 threads",
        ("-m", "waitress", "--listen=0.0.0.0:5000", "--threads=8", "--connection-limit=1000", "web_app:app"),
        ("waitress",),
    ),
    Candidate(
        "pyruvate 8 threads",
        ("-c", "import pyruvate, web_app; pyruvate.serve(web_app.app, '0.0.0.0:5000', 8)"),
        ("pyruvate",),
    ),
    Candidate(
        "granian CLI 2x4",
        (
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            "0.0.0.0",
            "--port",
            "5000",
            "--workers",
            "2",
            "--blocking-threads",
            "4",
            "--no-ws",
            "--workers-kill-timeout",
            "8",
            "web_app:app",
        ),
        ("granian",),
    ),
    Candidate("granian serve.py 2x4 (image)", ("/app/serve.py",), ("granian",)),
)


@dataclass
class Figures:
    rps: list[float]
    logged_ratio: list[float]
    startup_ms: list[float]
    bare_ms: list[float]
    slow_ms: float | None = None
    stop_s: float | None = None
    exit_code: int | None = None


def build(variant: str, context: Path) -> str:
    chosen = app_variant(bundled_app_dir(), variant)
    tag = f"dockwise-bench/servers:{variant}"
    build_args = chosen.local_build_args()
    if variant == "distroless":
        build_args["PRECOMPILE_MODULES"] = PRECOMPILE
    build_image(
        BuildRequest(
            context=context,
            dockerfile=context / chosen.dockerfile,
            tag=tag,
            build_args=build_args,
            labels=dict(LABELS),
            secrets=host_ca_secret(),
        )
    )
    return tag


def command(variant: str, candidate: Candidate) -> list[str]:
    return [PYTHON[variant], *candidate.args]


def first_ok_ms(client, tag: str, cmd: list[str]) -> float:
    started = time.monotonic()
    with containers.running(client, tag, port=5000, labels=LABELS, command=cmd) as published:
        containers.wait_for_http_ok(published, "/", timeout=30)
        return (time.monotonic() - started) * 1000


def access_lines(container) -> int:
    return container.logs(stderr=False).count(b'"logger":"web_app.access"')


def load_round(client, tag: str, cmd: list[str], seconds: float, figures: Figures) -> None:
    with containers.running(client, tag, port=5000, labels=LABELS, command=cmd) as published:
        containers.wait_for_http_ok(published, "/healthz", timeout=30)
        published.container.reload()
        pid = int(published.container.attrs["State"]["Pid"])
        result = run_load(5000, "/", seconds=seconds, connections=32, netns_pid=pid)
        time.sleep(0.6)  # the access-log writer's interval is 0.2 s
        figures.rps.append(result.requests_per_s)
        figures.logged_ratio.append(access_lines(published.container) / max(result.requests, 1))


def faults(client, tag: str, cmd: list[str], figures: Figures) -> None:
    with containers.running(client, tag, port=5000, labels=LABELS, command=cmd) as published:
        containers.wait_for_http_ok(published, "/", timeout=30)
        figures.slow_ms = slow_clients(published.host_port, connections=200, hold_s=1.0, timeout=5.0).normal_ms
        containers.wait_for_http_ok(published, "/", timeout=30)
        started = time.monotonic()
        published.container.stop(timeout=10)
        figures.stop_s = time.monotonic() - started
        published.container.reload()
        figures.exit_code = published.container.attrs["State"]["ExitCode"]


def package_bytes(client, tag: str) -> dict[str, int]:
    script = (
        "import importlib.metadata as m, json, os; print(json.dumps({d.metadata['Name'].lower(): "
        "sum(os.path.getsize(f.locate()) for f in d.files or () if os.path.isfile(f.locate())) "
        "for d in m.distributions()}))"
    )
    out = client.containers.run(tag, [PYTHON["distroless"], "-c", script], remove=True, labels=LABELS)
    return {name.replace("_", "."): size for name, size in json.loads(out).items()}


def ms(values: list[float]) -> str:
    return f"{statistics.median(values):.0f}"


def report(variant: str, figures: dict[str, Figures], sizes: dict[str, int], candidates: list[Candidate]) -> None:
    dev = statistics.median(figures[DEV_SERVER].rps) if DEV_SERVER in figures else None
    print(f"\n## {variant}")
    print(
        f"{'server':31} {'req/s':>7} {'x dev':>6} {'lines/req':>9} {'start ms':>8} {'bare ms':>7} {'x bare':>6} "
        f"{'slow-client req':>15} {'stop':>11} {'pkg MB':>6}"
    )
    for candidate in candidates:
        f = figures[candidate.name]
        rps = statistics.median(f.rps)
        ratio = f"{rps / dev:.2f}" if dev else "-"
        start = statistics.median(f.startup_ms) / statistics.median(f.bare_ms)
        slow = f"{f.slow_ms:.0f} ms" if f.slow_ms is not None else "no answer 5 s"
        stop = f"{f.stop_s:.2f} s ({f.exit_code})"
        pkg = sum(sizes.get(p, 0) for p in candidate.packages) / 1e6
        print(
            f"{candidate.name:31} {rps:7.0f} {ratio:>6} {min(f.logged_ratio):9.3f} {ms(f.startup_ms):>8} "
            f"{ms(f.bare_ms):>7} {start:6.2f} {slow:>15} {stop:>11} {pkg:6.1f}"
        )
    print(
        "goals: req/s >= 5x dev server with the access log on; every request logged (lines/req >= 1); startup <= "
        "1.0x bare; a normal request < 1 s under 200 slow clients; stop < 2 s with exit code 0"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7, help="startup runs per candidate (each beside a bare run)")
    parser.add_argument("--load-seconds", type=float, default=5.0)
    parser.add_argument("--repeats", type=int, default=3, help="load rounds over all candidates")
    parser.add_argument("--only", help="comma-separated candidate names (the dev server is always measured)")
    parser.add_argument("--variants", default="standard,distroless")
    parser.add_argument("--json-out", type=Path, help="write the run as JSON here (docs/benchmarks/bench-servers.json)")
    args = parser.parse_args()
    started, load = time.time(), os.getloadavg()[0]
    variants: dict[str, list[dict]] = {}
    candidates = [
        c
        for c in CANDIDATES
        if not args.only or c.name == DEV_SERVER or any(part.strip() in c.name for part in args.only.split(","))
    ]

    client = sdk_client()
    ensure_local_bases()
    tags: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        context = Path(tmp) / "app"
        shutil.copytree(bundled_app_dir(), context)
        shutil.copy(REQUIREMENTS, context / "requirements.txt")
        for variant in args.variants.split(","):
            tags[variant] = build(variant, context)
    print(
        f"# bench_servers {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()}, "
        f"{platform.machine()}, engine {client.version()['Version']}; wrk -t2 -c32 {args.load_seconds:.0f} s x "
        f"{args.repeats}, startup n={args.runs}; load average at start {Path('/proc/loadavg').read_text().split()[0]}"
    )
    try:
        sizes = package_bytes(client, tags["distroless"]) if "distroless" in tags else {}
        for variant, tag in tags.items():
            figures = {c.name: Figures([], [], [], []) for c in candidates}
            for _ in range(args.repeats):  # rounds, so that drift in the machine's load hits every candidate alike
                for candidate in candidates:
                    load_round(client, tag, command(variant, candidate), args.load_seconds, figures[candidate.name])
            bare_ms: list[float] = []
            for _ in range(args.runs):  # rounds again, each with one bare run: every candidate shares its peer
                bare_ms.append(time_to_exit(client, BASES[variant], BARE[variant], LABELS))
                for candidate in candidates:
                    figures[candidate.name].startup_ms.append(first_ok_ms(client, tag, command(variant, candidate)))
            for candidate in candidates:
                figures[candidate.name].bare_ms.extend(bare_ms)
                faults(client, tag, command(variant, candidate), figures[candidate.name])
            report(variant, figures, sizes, candidates)
            variants[variant] = [
                {
                    "name": c.name,
                    **asdict(figures[c.name]),
                    "package_bytes": sum(sizes.get(name, 0) for name in c.packages),
                }
                for c in candidates
            ]
    finally:
        for tag in tags.values():
            client.images.remove(tag, force=True)
    if args.json_out:
        from dockwise.report import bench_docs

        results = {
            "dev_server": DEV_SERVER,
            "runs": args.runs,
            "load_seconds": args.load_seconds,
            "repeats": args.repeats,
            "variants": variants,
        }
        bench_docs.write_record(args.json_out, bench_docs.record("bench_servers", sys.argv, started, load, results))


if __name__ == "__main__":
    main()
