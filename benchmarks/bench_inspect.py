"""Benchmark: `dockwise inspect` (defaults) beside `dive --ci` on the same archives, in the same run: wall time, CPU
time and peak RSS of each (wait4 on the child), and where dockwise's time goes.

    .venv/bin/python benchmarks/bench_inspect.py [--runs 7] [--big-mib 1024] [--baseline-src DIR]
        [--json-out docs/benchmarks/bench-inspect.json] [ARCHIVE ...]

Without arguments the archives are: dockwise/python:3.13-slim (saved from the engine), a "waste" image built on it
whose one RUN re-writes /usr/lib/python3.13 with chmod and deletes /usr/share/doc (removed again afterwards), and a
~1 GB image generated here without the engine (the slim layer plus a layer of random files), which shows whether
memory stays flat as the image grows. dockwise verifies every blob digest (it has no switch to skip that); dive
verifies none. Runs alternate between the tools; figures are medians (and the best) over the runs.

`--baseline-src DIR` also times another checkout's dockwise (e.g. `git archive <commit> src | tar -x -C DIR`) in the
same alternation, for before/after figures. Also printed: one `--gzip-size` run, the breakdown of one dockwise run
(interpreter start, imports and rule registry, hashing, walking the tar headers, analysis), dockwise's reclaimable
bytes next to dive's wastedBytes, and dive's all-copies count recomputed from our own layer index.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.image.hostile_inputs import Run, run_measured  # noqa: E402

BIN = Path(sys.executable).parent
WASTE_TAG = "dockwise-bench/waste:1"
GOAL = 1.0
"""Issue 10: dockwise inspect's median wall time at most this multiple of dive's on the same archive."""
WASTE_DOCKERFILE = (
    "FROM dockwise/python:3.13-slim\n"
    "RUN chmod -R go-w /usr/lib/python3.13 && chmod -R a+r /usr/lib/python3.13 && rm -rf /usr/share/doc\n"
)


def measure(command: list[str], env: dict[str, str] | None = None) -> Run:
    """Run `command` to its end: wall and CPU time and its own peak RSS (tests/image/hostile_inputs.run_measured)."""
    run = run_measured(command, env=env, timeout=900)
    if run.code not in (0, 1):
        sys.exit(f"{command[0]} failed ({run.code}): {run.stderr.decode(errors='replace')[-500:]}")
    return run


def _dive() -> str:
    found = BIN / "dive" if (BIN / "dive").exists() else shutil.which("dive")
    if not found:
        sys.exit("dive not found: it comes with the lock's bench extra (`make test` installs it)")
    return str(found)


def _python_env(src: Path | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def _archive(target: str, workdir: Path) -> Path:
    if Path(target).exists():
        return Path(target)
    from dockwise.engine.client import sdk_client

    path = workdir / (re.sub(r"[^A-Za-z0-9_.-]", "_", target) + ".tar")
    with path.open("wb") as handle:
        for chunk in sdk_client(timeout=600).images.get(target).save(named=True):
            handle.write(chunk)
    return path


def big_image(base: Path, workdir: Path, mib: int) -> Path:
    """A docker-save archive of about `mib` MiB: `base`'s layers plus one layer of 8 MiB random files."""
    with tarfile.open(base) as source:
        entry = json.load(source.extractfile("manifest.json"))[0]  # type: ignore[arg-type]
        config = json.load(source.extractfile(entry["Config"]))  # type: ignore[arg-type]
        layers = [(name, source.getmember(name).size) for name in entry["Layers"]]
        used = sum(size for _, size in layers) >> 20
        extra = workdir / "extra-layer.tar"
        block = os.urandom(8 << 20)
        with tarfile.open(extra, "w") as tar:
            for number in range(max(1, (mib - used) // 8)):
                info = tarfile.TarInfo(f"data/blob-{number:04d}.bin")
                info.size, info.mtime = len(block), 0
                tar.addfile(info, io.BytesIO(number.to_bytes(8, "big") + block[8:]))
        digest = hashlib.sha256()
        with extra.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        diff_id = "sha256:" + digest.hexdigest()
        config["rootfs"]["diff_ids"].append(diff_id)
        config["history"].append({"created": "1970-01-01T00:00:00Z", "created_by": "generated: random data"})
        raw = json.dumps(config).encode()
        config_name = hashlib.sha256(raw).hexdigest() + ".json"
        path = workdir / f"big-{mib}mib.tar"
        with tarfile.open(path, "w") as out:
            for name, _ in layers:
                info = source.getmember(name)
                out.addfile(info, source.extractfile(info))
            info = tarfile.TarInfo(diff_id[7:] + "/layer.tar")
            info.size = extra.stat().st_size
            with extra.open("rb") as handle:
                out.addfile(info, handle)
            for name, data in (
                (config_name, raw),
                (
                    "manifest.json",
                    json.dumps(
                        [
                            {
                                "Config": config_name,
                                "RepoTags": ["dockwise-bench/big:1"],
                                "Layers": [name for name, _ in layers] + [diff_id[7:] + "/layer.tar"],
                            }
                        ]
                    ).encode(),
                ),
            ):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                out.addfile(info, io.BytesIO(data))
    extra.unlink()
    return path


BREAKDOWN = r"""
import json, os, sys, time
start = time.perf_counter()
import dockwise.cli
from dockwise.core.config import find_config
from dockwise.core.rules import all_rules
from dockwise.image import collect
from dockwise.image.checks import run_checks
from dockwise.report.findings_output import FindingsReport
from pathlib import Path
rules = all_rules("image")
settings = find_config(Path.cwd())
imported = time.perf_counter()
from dockwise.image.blob import sha256_of
from dockwise.image.filesystem import FileSystem
from dockwise.image.facts import facts_from
from dockwise.image.layer_index import Budget, read_layer
from dockwise.image.sources import _docker_save_head, _open_container, _oci_head, parse_source, RawImage, RawLayer
from dockwise.image.tarstream import BlobSource
source = parse_source(sys.argv[1])
with _open_container(source) as (container, tags):
    head = _docker_save_head(source, container, tags) if container.has("manifest.json") else _oci_head(source, container)
    blobs = [container.open(plan.name) for plan in head.plans]
    t = time.perf_counter(); [sha256_of(blob) for blob in blobs]; hashing = time.perf_counter() - t
    t = time.perf_counter()
    budget = Budget()
    indexes = [read_layer(BlobSource(blob), what="layer", budget=budget) for blob in blobs]
    walking = time.perf_counter() - t
    t = time.perf_counter()
    raw = RawImage(source, head.id, head.config, head.tags,
                   tuple(RawLayer(i, p.diff_id, b.size, None) for i, p, b in zip(indexes, head.plans, blobs)))
    facts = facts_from(raw, FileSystem.apply(indexes), reference=sys.argv[1])
    findings = run_checks(facts, settings, rules)
    json.dumps({"image": facts.as_dict(), "findings": [f.as_dict() for f in findings]}, indent=2, sort_keys=True)
    analysis = time.perf_counter() - t
t = time.perf_counter(); collect(sys.argv[1]); together = time.perf_counter() - t
print(json.dumps({"imports": imported - start, "hashing": hashing, "walking": walking, "analysis": analysis,
                  "collect": together}))
"""


def breakdown(archive: Path, src: Path | None, runs: int) -> dict[str, float]:
    """Medians over `runs` fresh interpreters: start-up, imports, and the phases of reading one archive."""
    env = _python_env(src)
    starts = [measure([sys.executable, "-c", "pass"], env).seconds for _ in range(runs)]
    phases = [json.loads(measure([sys.executable, "-c", BREAKDOWN, str(archive)], env).stdout) for _ in range(runs)]
    figures = {key: statistics.median(p[key] for p in phases) for key in phases[0]}
    return {"interpreter start": statistics.median(starts), **figures}


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

    raw = read_image(parse_source(str(archive)))
    sizes: dict[str, list[int]] = {}
    for layer in raw.layers:  # type: ignore[union-attr]
        for entry in layer.listing.entries:
            if entry.kind == FILE:
                sizes.setdefault(entry.path, []).append(entry.size)
    return sum(sum(copies) for copies in sizes.values() if len(copies) > 1)


def _figures(runs: list[Run]) -> dict[str, float]:
    """Medians (and the best wall time) over one tool's runs, and its peak RSS."""
    return {
        "median_s": round(statistics.median(m.seconds for m in runs), 3),
        "best_s": round(min(m.seconds for m in runs), 3),
        "cpu_s": round(statistics.median(m.cpu for m in runs), 3),
        "peak_mib": round(max(m.peak_mib for m in runs), 1),
    }


def _row(name: str, figures: dict[str, float]) -> str:
    return (
        f"  {name:34} median {figures['median_s']:6.3f} s  best {figures['best_s']:6.3f} s  "
        f"cpu {figures['cpu_s']:6.3f} s  peak RSS {figures['peak_mib']:6.1f} MiB"
    )


def bench(archive: Path, runs: int, baseline: Path | None, name: str) -> dict:
    """One archive's figures (what the record holds), printed as they come."""
    ours_env, dive_env = _python_env(None), {**os.environ, "CI": "true"}
    command = [sys.executable, "-m", "dockwise.cli", "inspect", str(archive), "--format", "json"]
    dive = [_dive(), "--ci", "--source", "docker-archive", str(archive)]
    ours: list[Run] = []
    theirs: list[Run] = []
    before: list[Run] = []
    for _ in range(runs):
        ours.append(measure(command, ours_env))
        theirs.append(measure(dive, dive_env))
        if baseline is not None:
            before.append(measure(command, _python_env(baseline)))
    gzip = measure([*command, "--gzip-size"], ours_env)
    facts = json.loads(ours[-1].stdout)["image"]
    result = {
        "name": name,
        "archive_bytes": archive.stat().st_size,
        "layers": facts["layer_count"],
        "files": facts["file_count"],
        "dockwise": _figures(ours),
        "dive": _figures(theirs),
        "baseline": _figures(before) if before else None,
    }
    print(
        f"\n{name}: {result['archive_bytes'] / 1e6:.1f} MB archive, {facts['layer_count']} layers, "
        f"{facts['file_count']} files in the final view"
    )
    print(_row(f"dockwise inspect ({facts['layer_count'] + 1} digests)", result["dockwise"]))
    print(_row("dive --ci (no digest verified)", result["dive"]))
    if before:
        print(_row(f"baseline ({baseline}) defaults", result["baseline"]))
    ratio = result["dockwise"]["median_s"] / result["dive"]["median_s"]
    print(
        f"  ratio dockwise/dive: median {ratio:.2f}, best {result['dockwise']['best_s'] / result['dive']['best_s']:.2f}; "
        f"peak RSS {result['dockwise']['peak_mib'] / result['dive']['peak_mib']:.2f}x dive's"
    )
    result["gzip_size"] = {
        "seconds": round(gzip.seconds, 3),
        "cpu_s": round(gzip.cpu, 3),
        "peak_mib": round(gzip.peak_mib, 1),
        "compressed_bytes": json.loads(gzip.stdout)["image"]["compressed_bytes"],
    }
    print(
        f"  dockwise inspect --gzip-size (parallel gzip -6): {gzip.seconds:.3f} s, cpu {gzip.cpu:.3f} s, "
        f"peak RSS {gzip.peak_mib:.1f} MiB, compressed {result['gzip_size']['compressed_bytes']} bytes"
    )
    phases = breakdown(archive, None, max(3, runs // 2))
    result["breakdown_s"] = {key: round(value, 4) for key, value in phases.items()}
    print(
        "  breakdown (medians, fresh interpreters): " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in phases.items())
    )
    dive_figures = _dive_figures(theirs[-1].stdout.decode(errors="replace"))
    result["waste"] = {
        "reclaimable_bytes": facts["waste"]["reclaimable_bytes"],
        "reclaimable_ratio": facts["waste"]["reclaimable_ratio"],
        "dive_wasted_bytes": dive_figures["wastedBytes"],
        "dive_user_wasted_percent": dive_figures["userWastedPercent"],
        "dive_efficiency": dive_figures["efficiency"],
        "all_copies_bytes": _all_copies_bytes(archive),
    }
    print(
        f"  waste: dockwise reclaimable {facts['waste']['reclaimable_bytes']} bytes "
        f"({facts['waste']['reclaimable_ratio']:.2%} of the image); dive wastedBytes {dive_figures['wastedBytes']}, "
        f"userWastedPercent {dive_figures['userWastedPercent']}, efficiency {dive_figures['efficiency']}"
    )
    print(
        f"  dive-style all-copies count from our index: {result['waste']['all_copies_bytes']} bytes "
        f"(counts the surviving copy too, so it exceeds what can be reclaimed)"
    )
    return result


def _build_waste_image(workdir: Path) -> str:
    from dockwise.engine.client import cli_client

    (workdir / "Dockerfile").write_text(WASTE_DOCKERFILE)
    cli = cli_client()
    subprocess.run(
        [*cli.build_command(), "-q", "-t", WASTE_TAG, "--label", "dockwise.bench=1", str(workdir)],
        env=cli.env(),
        check=True,
        capture_output=True,
    )
    return WASTE_TAG


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", help="docker-save archives, OCI layouts or engine images")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--big-mib", type=int, default=1024, help="size of the generated image (0: none)")
    parser.add_argument("--baseline-src", type=Path, help="another checkout's src/ to time beside this one")
    parser.add_argument("--json-out", type=Path, help="write the run as JSON here (docs/benchmarks/bench-inspect.json)")
    args = parser.parse_args()
    started, load = time.time(), os.getloadavg()[0]
    print(
        f"bench_inspect: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}, runs {args.runs}"
    )
    with tempfile.TemporaryDirectory(prefix="dockwise-bench-") as name:
        directory = Path(name)
        built = not args.targets
        targets = args.targets or ["dockwise/python:3.13-slim", _build_waste_image(directory)]
        try:
            archives = [_archive(target, directory) for target in targets]
        finally:
            if built:  # only the image this run built
                from dockwise.engine.client import sdk_client

                sdk_client().images.remove(WASTE_TAG)
        names = [f"{WASTE_TAG} (the first + a chmod -R / rm layer)" if t == WASTE_TAG else t for t in targets]
        if args.big_mib:
            archives.append(big_image(archives[0], directory, args.big_mib))
            names.append(f"the first + random files, {args.big_mib} MiB (generated)")
        results = [bench(archive, args.runs, args.baseline_src, name) for archive, name in zip(archives, names)]
    if args.json_out:
        from dockwise.report import bench_docs

        record = {"runs": args.runs, "goal_ratio": GOAL, "archives": results}
        bench_docs.write_record(args.json_out, bench_docs.record("bench_inspect", sys.argv, started, load, record))


if __name__ == "__main__":
    main()
