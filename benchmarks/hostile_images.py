"""Benchmark: the worst-case hostile images of issue 15, at full size, each through `dockwise` in a child process:
outcome, wall time and peak RSS, against the bound (10 s, 300 MiB).

    .venv/bin/python benchmarks/hostile_images.py [--baseline-src DIR] [--timeout 120]
        [--json-out docs/benchmarks/hostile-images.json]

The inputs are built by tests/image/hostile_inputs.py (the regression tests use the same builders at smaller
sizes). `--baseline-src DIR` runs every case again with another checkout's code (e.g. `git archive <commit> src |
tar -x -C DIR`) for before/after figures; a run that does not end is killed at --timeout and shown as such.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.image import hostile_inputs as hostile  # noqa: E402

SECONDS, MIB = 10.0, 300.0


def _cases() -> list[tuple[str, Callable[[Path], str], list[str]]]:
    """(label, builder, dockwise arguments with {} for the path)."""
    inspect = ["inspect", "{}", "--format", "json"]
    cases: list[tuple[str, Callable[[Path], str], list[str]]] = []
    for name in sorted(hostile.CONFIG_VARIANTS):
        cases.append((f"config: {name}", lambda d, n=name: hostile.config_variant(d, n), inspect))
    for name in sorted(hostile.SAVE_MANIFEST_VARIANTS):
        cases.append((f"manifest.json: {name}", lambda d, n=name: hostile.save_manifest_variant(d, n), inspect))
    for name in sorted(hostile.OCI_VARIANTS):
        cases.append((f"OCI: {name}", lambda d, n=name: hostile.oci_variant(d, n), inspect))
    return cases + [
        ("JSON nested 100,000 deep", hostile.deep_json_config, inspect),
        ("NaN in the config", hostile.nan_config, inspect),
        ("entry path 20,000 components deep", hostile.deep_entry_path, inspect),
        ("symlink target of 60,000 components", hostile.long_symlink_target, inspect),
        ("gzip layer of ~1 MB expanding to 1 GiB", hostile.gzip_bomb, inspect),
        ("FIFO as the image path", hostile.fifo_image_path, inspect),
        ("FIFO as docker-archive:PATH", hostile.fifo_image_path, ["inspect", "docker-archive:{}"]),
        ("FIFO blob in an OCI layout", hostile.fifo_blob, inspect),
        ("blobs/ symlinked out of the layout", hostile.blobs_symlinked_outside, inspect),
        ("hard link to a missing file", hostile.missing_hardlink_target, inspect),
        ("escapes and non-UTF-8 names: text", hostile.hostile_names, ["inspect", "{}"]),
        (
            "escapes and non-UTF-8 names: junit -o",
            hostile.hostile_names,
            ["inspect", "{}", "--format", "junit", "-o", "/dev/null"],
        ),
        (
            "escapes and non-UTF-8 names: compare html -o",
            hostile.hostile_names,
            ["compare", "--no-runtime", "--format", "html", "-o", "/dev/null", "{}"],
        ),
        ("empty Package: line, sbom", hostile.empty_package_line, ["sbom", "{}"]),
    ]


def _outcome(run: hostile.Run, timeout: float) -> str:
    if run.code is None:
        return f"killed after {timeout:.0f} s (no end)"
    lines = run.stderr.decode(errors="replace").strip().splitlines()
    if run.code == 3 or any("Traceback" in line for line in lines):
        return f"exit {run.code}: internal error (traceback)"
    return f"exit {run.code}: " + (lines[-1][7:67] if lines else "result")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-src", type=Path, help="another checkout's src/ to run beside this one")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument(
        "--json-out", type=Path, help="write the run as JSON here (docs/benchmarks/hostile-images.json)"
    )
    args = parser.parse_args()
    started, load = time.time(), os.getloadavg()[0]
    print(
        f"hostile_images: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}; bound {SECONDS:.0f} s and {MIB:.0f} MiB per input"
    )
    sources = [("this checkout", None)] + ([("baseline", args.baseline_src)] if args.baseline_src else [])
    print(f"| input | {' | '.join(f'{name}: outcome | s | MiB' for name, _ in sources)} |")
    print("|---|" + "---|---:|---:|" * len(sources))
    worst = (0.0, 0.0)
    cases = []
    for label, build, arguments in _cases():
        cells, runs = [], []
        for _, src in sources:
            env = dict(os.environ)
            if src is not None:
                env["PYTHONPATH"] = str(src)
            with tempfile.TemporaryDirectory(prefix="dockwise-hostile-") as directory:
                path = build(Path(directory))
                run = hostile.run_dockwise([a.replace("{}", path) for a in arguments], timeout=args.timeout, env=env)
            if src is None:
                worst = (max(worst[0], run.seconds), max(worst[1], run.peak_mib))
            cells.append(f"{_outcome(run, args.timeout)} | {run.seconds:.2f} | {run.peak_mib:.0f}")
            runs.append(
                {
                    "outcome": _outcome(run, args.timeout),
                    "seconds": round(run.seconds, 3),
                    "mib": round(run.peak_mib, 1),
                }
            )
        print(f"| {label} | {' | '.join(cells)} |")
        cases.append({"input": label, "runs": runs})
    verdict = "within" if worst[0] <= SECONDS and worst[1] <= MIB else "NOT within"
    print(
        f"\nworst case for this checkout: {worst[0]:.2f} s, {worst[1]:.0f} MiB — {verdict} {SECONDS:.0f} s and {MIB:.0f} MiB"
    )

    if args.json_out:
        from dockwise.report import bench_docs

        results = {
            "bound": {"seconds": SECONDS, "mib": MIB},
            "timeout": args.timeout,
            "sources": [name for name, _ in sources],
            "cases": cases,
        }
        bench_docs.write_record(args.json_out, bench_docs.record("hostile_images", sys.argv, started, load, results))


if __name__ == "__main__":
    main()
