"""linux/arm64 under emulation beside native linux/amd64, in one run: `dockwise base` of each platform built twice
(same image IDs? same archive bytes?), the reference service's distroless image built without cache for each
platform, and its first 200 under the hardened profile on each.

Needs arm64 emulation (`dockwise doctor --platforms`, as root) and the arm64 bases in the engine for the app build
(`dockwise base --platform linux/arm64`). Timings on a shared machine are indicative: read the ratios.
Usage: python benchmarks/bench_platforms.py [--skip-slim] [--runs 3] [--rounds 2]
       [--json-out docs/benchmarks/bench-platforms.json]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from dockwise.core.platform import ARM64, DEFAULT_PLATFORM
from dockwise.debian.bases import build_bases
from dockwise.engine import containers
from dockwise.engine.client import sdk_client
from dockwise.jobs.build import BaseSource, build_app, bundled_app_dir, ensure_local_bases
from dockwise.measure.runtime import time_to_first_ok

LABELS = {"dockwise.bench": uuid.uuid4().hex[:12]}
PLATFORMS = (DEFAULT_PLATFORM, ARM64)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bases_twice(kind: str, tmp: Path) -> dict[str, tuple[float, float, list[str], list[str], bool]]:
    """platform -> (seconds first, seconds second, IDs first, IDs second, archives byte-identical)."""
    out = {}
    for platform in PLATFORMS:
        runs = []
        for attempt in ("a", "b"):
            archive = tmp / f"{kind}-{platform.architecture}-{attempt}.tar"
            started = time.perf_counter()
            images = build_bases("trixie", kinds=(kind,), load=False, archive=archive, platforms=(platform,))
            runs.append((time.perf_counter() - started, [i.image_id[7:19] for i in images], archive))
        (t1, ids1, a1), (t2, ids2, a2) = runs
        out[str(platform)] = (t1, t2, ids1, ids2, sha256(a1) == sha256(a2))
        a1.unlink()
        a2.unlink()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--skip-slim", action="store_true", help="Skip the slim bases (arm64: minutes under emulation)."
    )
    parser.add_argument("--runs", type=int, default=3, help="Startups timed per platform.")
    parser.add_argument("--rounds", type=int, default=2, help="No-cache app builds per platform.")
    parser.add_argument(
        "--json-out", type=Path, help="write the run as JSON here (docs/benchmarks/bench-platforms.json)"
    )
    args = parser.parse_args()
    started, load = time.time(), os.getloadavg()[0]
    bases = []
    print(f"bench_platforms {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    with tempfile.TemporaryDirectory(prefix="bench-platforms-") as tmp:
        for kind in ("distroless",) + (() if args.skip_slim else ("slim",)):
            for platform, (t1, t2, ids1, ids2, same) in bases_twice(kind, Path(tmp)).items():
                print(
                    f"base {kind:10} {platform:12} {t1:7.1f} s / {t2:7.1f} s  IDs {ids1} / {ids2}  "
                    f"same IDs: {ids1 == ids2}  same archive bytes: {same}"
                )
                bases.append(
                    {
                        "kind": kind,
                        "platform": str(platform),
                        "seconds": [round(t1, 2), round(t2, 2)],
                        "ids": [list(ids1), list(ids2)],
                        "same_bytes": same,
                    }
                )
    client = sdk_client()
    for platform in PLATFORMS:
        ensure_local_bases("trixie", platform=platform)
    builds, seconds, every = {}, {platform: [] for platform in PLATFORMS}, []
    for round_ in range(args.rounds):  # interleaved, so a busy moment of the shared machine hits both
        for platform in PLATFORMS:
            result = build_app(
                bundled_app_dir(),
                "distroless",
                tag=f"dockwise-bench/platforms:{LABELS['dockwise.bench']}",
                source=BaseSource.LOCAL,
                labels=LABELS,
                client=client,
                platform=platform,
                no_cache=True,
            )
            builds[platform] = result
            every.append(result)
            seconds[platform].append(result.seconds)
            print(
                f"app build (no cache) round {round_} {platform!s:12} {result.seconds:7.1f} s  {result.image_id[7:19]}"
            )
    native, emulated = statistics.median(seconds[DEFAULT_PLATFORM]), statistics.median(seconds[ARM64])
    print(f"emulated arm64 / native amd64 build time (medians): {emulated / native:.1f}x")
    first, first_ms = {}, {}
    for platform, result in builds.items():
        times = [time_to_first_ok(client, result.tag, 5000, LABELS, "/healthz") for _ in range(args.runs)]
        first[platform], first_ms[platform] = statistics.median(times), times
        print(f"first 200 {platform!s:12} median {first[platform]:7.0f} ms  runs {[round(t) for t in times]}")
    print(f"emulated arm64 / native amd64 first 200: {first[ARM64] / first[DEFAULT_PLATFORM]:.1f}x")
    for result in every:
        try:
            client.images.remove(result.image_id, force=True)
        except Exception as exc:
            print(f"could not remove {result.tag}: {exc}", file=sys.stderr)
    leftovers = client.containers.list(all=True, filters={"label": f"dockwise.bench={LABELS['dockwise.bench']}"})
    for container in leftovers:
        containers.remove(container)

    if args.json_out:
        from dockwise.report import bench_docs

        results = {
            "native": str(DEFAULT_PLATFORM),
            "emulated": str(ARM64),
            "bases": bases,
            "builds_s": {str(p): [round(t, 2) for t in values] for p, values in seconds.items()},
            "first_ok_ms": {str(p): [round(t, 1) for t in values] for p, values in first_ms.items()},
        }
        bench_docs.write_record(args.json_out, bench_docs.record("bench_platforms", sys.argv, started, load, results))


if __name__ == "__main__":
    main()
