"""Benchmark: `dockwise inspect` vs `dive --ci` on the same `docker save` archive, in the same run.

    .venv/bin/python benchmarks/bench_inspect.py [--runs 7] [IMAGE_OR_ARCHIVE ...]

Each argument is a docker-save archive, or an engine image that is saved to a temporary archive first (default:
dockwise/python:3.13-slim, plus a "waste" image built on it whose one RUN re-writes /usr/lib/python3.13 with chmod
and deletes /usr/share/doc: the classic layer waste; it is removed again afterwards). dockwise verifies every blob digest (it has no switch to skip that); dive verifies
none. Runs alternate between the two tools; the figures are the median and the best of the runs. Also printed:
dockwise's reclaimable bytes next to dive's wastedBytes, and dive's all-copies count recomputed from our own
layer index, which explains the difference.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _dive() -> str:
    found = BIN / "dive" if (BIN / "dive").exists() else shutil.which("dive")
    if not found:
        sys.exit("dive not found: it comes with the lock's bench extra (`make test` installs it)")
    return str(found)


def _archive(target: str, workdir: Path) -> Path:
    if Path(target).is_file():
        return Path(target)
    from dockwise.engine.client import sdk_client

    path = workdir / (re.sub(r"[^A-Za-z0-9_.-]", "_", target) + ".tar")
    with path.open("wb") as handle:
        for chunk in sdk_client(timeout=600).images.get(target).save(named=True):
            handle.write(chunk)
    return path


def _timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        sys.exit(f"{command[0]} failed ({result.returncode}): {result.stderr[-500:]}")
    return elapsed, result.stdout


def _dive_figures(output: str) -> dict[str, str]:
    figures = {}
    for key in ("efficiency", "wastedBytes", "userWastedPercent"):
        match = re.search(rf"{key}: ([^\n]+)", re.sub(r"\x1b\[[0-9;]*m", "", output))
        figures[key] = match.group(1).strip() if match else "?"
    return figures


def _all_copies_bytes(archive: Path) -> int:
    """dive's wastedBytes, recomputed: every copy of a path seen in two or more layers, the surviving one included
    (a whiteout counts as a copy of the size it deletes, which this approximation leaves out)."""
    from dockwise.image.layer_index import FILE
    from dockwise.image.sources import parse_source, read_image

    raw = read_image(parse_source(str(archive)), gzip_size=False)
    sizes: dict[str, list[int]] = {}
    for layer in raw.layers:
        for entry in layer.index.entries:
            if entry.kind == FILE:
                sizes.setdefault(entry.path, []).append(entry.size)
    return sum(sum(copies) for copies in sizes.values() if len(copies) > 1)


def bench(archive: Path, runs: int) -> None:
    import json

    dockwise = [str(BIN / "dockwise"), "inspect", str(archive), "--format", "json"]
    dive = [_dive(), "--ci", "--source", "docker-archive", str(archive)]
    dive_env = {**os.environ, "CI": "true"}
    ours, theirs, gzip_runs = [], [], []
    facts_json = dive_out = ""
    for _ in range(runs):
        elapsed, facts_json = _timed([*dockwise, "--no-gzip-size"])
        ours.append(elapsed)
        elapsed, dive_out = _timed(dive, dive_env)
        theirs.append(elapsed)
    gzip_runs.append(_timed(dockwise)[0])
    facts = json.loads(facts_json)["image"]
    dive_figures = _dive_figures(dive_out)
    median_ours, median_dive = statistics.median(ours), statistics.median(theirs)
    print(f"\n{archive.name}: {archive.stat().st_size / 1e6:.1f} MB archive, {facts['layer_count']} layers, "
          f"{facts['file_count']} files in the final view")
    print(f"  dockwise inspect (all {facts['layer_count'] + 1} blob digests verified): median {median_ours:.3f} s, "
          f"best {min(ours):.3f} s")
    print(f"  dive --ci (no digest verified):                 median {median_dive:.3f} s, best {min(theirs):.3f} s")
    print(f"  ratio dockwise/dive: median {median_ours / median_dive:.2f}, best {min(ours) / min(theirs):.2f}")
    print(f"  dockwise inspect with gzip -6 size measured:    {gzip_runs[0]:.3f} s")
    print(f"  waste: dockwise reclaimable {facts['waste']['reclaimable_bytes']} bytes "
          f"({facts['waste']['reclaimable_ratio']:.2%} of the image); dive wastedBytes {dive_figures['wastedBytes']}, "
          f"userWastedPercent {dive_figures['userWastedPercent']}, efficiency {dive_figures['efficiency']}")
    print(f"  dive-style all-copies count from our index: {_all_copies_bytes(archive)} bytes "
          f"(counts the surviving copy too, so it exceeds what can be reclaimed)")


WASTE_TAG = "dockwise-bench/waste:1"
WASTE_DOCKERFILE = ("FROM dockwise/python:3.13-slim\n"
                    "RUN chmod -R go-w /usr/lib/python3.13 && chmod -R a+r /usr/lib/python3.13 && rm -rf /usr/share/doc\n")


def _build_waste_image(workdir: Path) -> str:
    from dockwise.engine.client import cli_client

    (workdir / "Dockerfile").write_text(WASTE_DOCKERFILE)
    cli = cli_client()
    subprocess.run([*cli.build_command(), "-q", "-t", WASTE_TAG, "--label", "dockwise.bench=1", str(workdir)],
                   env=cli.env(), check=True, capture_output=True)
    return WASTE_TAG


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"bench_inspect: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}, runs {args.runs}")
    with tempfile.TemporaryDirectory(prefix="dockwise-bench-") as directory:
        targets = args.targets or ["dockwise/python:3.13-slim", _build_waste_image(Path(directory))]
        try:
            for target in targets:
                bench(_archive(target, Path(directory)), args.runs)
        finally:
            if not args.targets:  # only the image this run built
                from dockwise.engine.client import sdk_client

                sdk_client().images.remove(WASTE_TAG)


if __name__ == "__main__":
    main()
