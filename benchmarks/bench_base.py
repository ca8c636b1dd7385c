"""`dockwise base`: cold (empty .deb cache) and warm (cached .debs) build time, the up-to-date check, the
unpacked and compressed size of each base beside the published anchors of the images they replace, and the lean
distroless base beside the faithful one, built in the same run.

The anchors cannot be pulled here (no registry), so they are figures, not measurements:
python:3.13-slim ~120-130 MB unpacked (docker-library repo-info: python:3.11-slim-bookworm 130.0 MB unpacked,
47.8 MB compressed); distroless python3-debian12 ~54 MB unpacked, 19.6 MB gzip (rebuilt from its package list).
The builds load into the engine under DOCKWISE_BASE_NAMESPACE (default: dockwise).
Usage: python benchmarks/bench_base.py [--release trixie] [--skip-cold] [--json-out docs/benchmarks/bench-base.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

ANCHORS = {  # kind -> (name, unpacked MB, compressed MB)
    "slim": ("python:3.1x-slim (official)", 130.0, 47.8),
    "distroless": ("distroless python3-debian12", 54.0, 19.6),
}
MB = 1_000_000


def dockwise(*args: str) -> float:
    """Run the CLI, return wall seconds; stop the benchmark on failure."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "dockwise.cli", "base", *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"dockwise base {' '.join(args)} failed: {result.stderr.strip()[-400:]}")
    return elapsed


def gzip_size(path: Path) -> int:
    """Size after gzip -6, as a registry would store the layer."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    size = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            size += len(compressor.compress(chunk))
    return size + len(compressor.flush())


def sizes(oci: Path) -> dict[str, tuple[float, float]]:
    """tag -> (unpacked MB: file bytes in the layers, compressed MB: gzip of the layer tars)."""

    manifest = json.loads((oci / "manifest.json").read_text())
    out = {}
    for entry in manifest:
        unpacked = compressed = 0
        for layer in entry["Layers"]:
            path = oci / layer
            with tarfile.open(path) as archive:
                unpacked += sum(m.size for m in archive.getmembers() if m.isreg())
            compressed += gzip_size(path)
        out[entry["RepoTags"][0]] = (unpacked / MB, compressed / MB)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default="trixie")
    parser.add_argument("--skip-cold", action="store_true", help="Do not measure the empty-cache build.")
    parser.add_argument("--json-out", type=Path, help="write the run as JSON here (docs/benchmarks/bench-base.json)")
    args = parser.parse_args()
    started, load = time.time(), os.getloadavg()[0]
    cold = None
    print(
        f"# dockwise base benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{platform.machine()}, release {args.release}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-base-") as tmp:
        work = Path(tmp)
        if not args.skip_cold:
            cold = dockwise("--release", args.release, "--rebuild", "--cache-dir", str(work / "debs"))
            print(f"cold build (empty .deb cache, download + build + load): {cold:6.1f} s")
        warm = dockwise("--release", args.release, "--rebuild")
        print(f"warm build (cached .debs, build + load):                {warm:6.1f} s")
        check = dockwise("--release", args.release)
        print(f"up to date (everything in the engine):                  {check:6.1f} s")
        dockwise("--release", args.release, "--no-load", "--oci", str(work / "oci"))
        faithful_oci = work / "oci-faithful"
        dockwise(
            "--release",
            args.release,
            "--only",
            "distroless",
            "--profile",
            "faithful",
            "--no-load",
            "--oci",
            str(faithful_oci),
        )
        images = {**sizes(work / "oci"), **sizes(faithful_oci)}
        rows = []
        print()
        print(f"{'image':56} {'unpacked MB':>11} {'gzip MB':>8}   anchor (unpacked / gzip MB)          ratio")
        for tag, (unpacked, compressed) in images.items():
            name, anchor_unpacked, anchor_compressed = ANCHORS["slim" if "python:" in tag else "distroless"]
            anchor = {"name": name, "unpacked_mb": anchor_unpacked, "gzip_mb": anchor_compressed}
            rows.append(
                {"tag": tag, "unpacked_mb": round(unpacked, 2), "gzip_mb": round(compressed, 2), "anchor": anchor}
            )
            print(
                f"{tag:56} {unpacked:11.1f} {compressed:8.1f}   "
                f"{name:28} {anchor_unpacked:5.1f} / {anchor_compressed:4.1f}"
                f"   {unpacked / anchor_unpacked:4.2f}x / {compressed / anchor_compressed:4.2f}x"
            )
        (lean, lean_gz), (faithful, faithful_gz) = (
            next(size for tag, size in images.items() if tag.endswith(suffix)) for suffix in (":latest", ":faithful")
        )
        print()
        print(
            f"distroless lean / faithful: unpacked {lean:.1f} / {faithful:.1f} MB = {lean / faithful:.2f}x, "
            f"gzip {lean_gz:.1f} / {faithful_gz:.1f} MB = {lean_gz / faithful_gz:.2f}x"
        )

    if args.json_out:
        from dockwise.report import bench_docs

        results = {
            "release": args.release,
            "builds_s": {"cold": cold and round(cold, 2), "warm": round(warm, 2), "up_to_date": round(check, 2)},
            "images": rows,
        }
        bench_docs.write_record(args.json_out, bench_docs.record("bench_base", sys.argv, started, load, results))


if __name__ == "__main__":
    main()
