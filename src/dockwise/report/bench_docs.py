"""Benchmark tables in docs/benchmarks/ generated from the benchmarks' own JSON records, never pasted by hand.

A benchmark run with `--json-out docs/benchmarks/NAME.json` writes one record: which benchmark, the command line,
when it started and ended (UTC), the load average at both ends, and its results. `make docs` (this module's main)
rewrites the table between the markers in docs/benchmarks/NAME.md from that record:

    <!-- generated from NAME.json by `make docs`: re-run the benchmark, do not edit this table -->
    ...
    <!-- end of generated table -->

The prose around the markers is written by hand; a hermetic test fails when a table differs from its record.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dockwise.core.atomic import write_text

END = "<!-- end of generated table -->"


def begin_marker(name: str) -> str:
    return f"<!-- generated from {name}.json by `make docs`: re-run the benchmark, do not edit this table -->"


def _utc(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


def record(benchmark: str, argv: Sequence[str], started: float, load_at_start: float, results: Any) -> dict[str, Any]:
    """The record a benchmark writes: what ran, when, under which load, and its results (plain JSON values)."""
    return {
        "benchmark": benchmark,
        "command": " ".join(["python", *argv]),
        "started": _utc(started),
        "ended": _utc(time.time()),
        "load_average": [round(load_at_start, 2), round(os.getloadavg()[0], 2)],
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()},
        "results": results,
    }


def write_record(path: Path, data: dict[str, Any]) -> None:
    write_text(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|")


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _run_line(data: dict[str, Any]) -> str:
    low, high = sorted(data["load_average"])
    load = f"{low}" if low == high else f"{low}–{high}"
    return f"`{data['command']}`, {data['started']} to {data['ended'][11:]}, load average {load}."


def hostile_inputs(data: dict[str, Any]) -> str:
    """benchmarks/hostile_inputs.py: each worst case, dockwise beside the baseline when one ran."""
    cases = data["results"]["cases"]
    baseline = any(c.get("baseline") for c in cases)
    header = ["input", "dockwise s", "peak MiB", "answer"] + (["baseline s", "peak MiB", "answer"] if baseline else [])
    rows = []
    for case in cases:
        row = [case["name"], f"{case['dockwise']['seconds']:.2f}", f"{case['dockwise']['mib']:.0f}"]
        row.append(case["dockwise"]["answer"])
        if baseline:
            theirs = case["baseline"]
            row += [f"{theirs['seconds']:.2f}", f"{theirs['mib']:.0f}", theirs["answer"]]
        rows.append(row)
    goal = data["results"]["goal"]
    met = sum(c["met"] for c in cases)
    summary = f"Goal: every input within {goal['seconds']:g} s and {goal['mib']:g} MiB with the right answer: "
    summary += f"**{met}/{len(cases)} met**."
    return "\n\n".join([_run_line(data), _table(header, rows), summary])


def bench_lint(data: dict[str, Any]) -> str:
    """benchmarks/bench_lint.py: wall time of both linters over the generated corpus, and where they disagree."""
    r = data["results"]
    files = r["files"]
    timing = _table(
        ["tool", "median s", "ms/file", "findings"],
        [
            ["dockwise lint", f"{r['dockwise']['seconds']:.3f}", f"{1000 * r['dockwise']['seconds'] / files:.1f}"]
            + [r["dockwise"]["findings"]],
            [f"hadolint {r['hadolint']['version']}", f"{r['hadolint']['seconds']:.3f}"]
            + [f"{1000 * r['hadolint']['seconds'] / files:.1f}", r["hadolint"]["findings"]],
        ],
    )
    ratio = r["dockwise"]["seconds"] / r["hadolint"]["seconds"]
    verdict = "met" if ratio <= r["goal_ratio"] else "not met"
    summary = (
        f"{files} Dockerfiles, median of {r['runs']} runs, one invocation of each tool for the whole corpus: "
        f"dockwise ÷ hadolint **{ratio:.2f}×** (goal ≤ {r['goal_ratio']}×: {verdict}). "
        f"Files hadolint could not parse: {len(r['hadolint']['parse_failures'])}."
    )
    agreement = _table(
        ["practice", "dockwise rule", "hadolint codes", "dockwise only", "hadolint only", "both"],
        [
            [p["practice"], p["rule"], ", ".join(p["codes"]), p["dockwise_only"], p["hadolint_only"], p["both"]]
            for p in r["agreement"]
        ],
    )
    return "\n\n".join([_run_line(data), timing, summary, agreement])


def lint_precision(data: dict[str, Any]) -> str:
    """benchmarks/lint_corpus.py --precision: the hand-judged findings on the real-world corpus, per rule."""
    parts = [_run_line(data)]
    for sample, figures in data["results"].items():
        judged, true = figures["judged"], figures["true_positives"]
        parts.append(
            f"**{sample}**: {judged} findings judged, {true} true positives: precision **{100 * true / judged:.0f} %** "
            f"(corpus estimate, each rule's precision weighted by its {figures['corpus_findings']} corpus findings: "
            f"{100 * figures['corpus_estimate']:.0f} %)."
        )
        rows = [
            [
                r["rule"],
                r["in_corpus"],
                r["judged"],
                r["true_positives"],
                f"{100 * r['true_positives'] / r['judged']:.0f} %",
            ]
            for r in figures["rules"]
        ]
        parts.append(_table(["rule", "in corpus", "judged", "true positives", "precision"], rows))
        if figures["false_positive_patterns"]:
            patterns = "; ".join(f"{p['pattern']} ({p['count']})" for p in figures["false_positive_patterns"])
            parts.append(f"False-positive patterns: {patterns}.")
    return "\n\n".join(parts)


def fuzz_lint(data: dict[str, Any]) -> str:
    """benchmarks/fuzz_lint.py: generated and mutated Dockerfiles through parse, model and every rule."""
    r = data["results"]
    table = _table(
        ["inputs", "seed", "crashes", "findings", "wall s", "CPU s", "inputs per CPU-second"],
        [
            [f"{r['inputs']:,}", r["seed"], f"**{r['crashes']}**", f"{r['findings']:,}", r["seconds"]]
            + [r["cpu_seconds"], f"{r['inputs'] / r['cpu_seconds']:,.0f}"]
        ],
    )
    return "\n\n".join([_run_line(data), table])


RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "hostile-inputs": hostile_inputs,
    "bench-lint": bench_lint,
    "lint-precision": lint_precision,
    "fuzz-lint": fuzz_lint,
}
# The page each record's table goes into, when it is not NAME.md.
PAGES = {"lint-precision": "lint-corpus.md"}


def render_page(page: str, name: str, data: dict[str, Any]) -> str:
    """The page with the table between its markers regenerated from the record."""
    begin = begin_marker(name)
    head, found, rest = page.partition(begin + "\n")
    if not found or END not in rest:
        raise ValueError(f"no `{begin}` ... `{END}` markers in docs/benchmarks/{PAGES.get(name, name + '.md')}")
    _old, _end, tail = rest.partition(END)
    return head + begin + "\n" + RENDERERS[name](data) + "\n" + END + tail


def pages(docs: Path) -> dict[Path, str]:
    """Every generated page as it should read, from the records next to it."""
    out: dict[Path, str] = {}
    for name in RENDERERS:
        page = docs / PAGES.get(name, f"{name}.md")
        data = json.loads((docs / f"{name}.json").read_text(encoding="utf-8"))
        out[page] = render_page(out.get(page) or page.read_text(encoding="utf-8"), name, data)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    docs = Path(args[0]) if args else Path("docs/benchmarks")
    for page, text in pages(docs).items():
        if page.read_text(encoding="utf-8") != text:
            write_text(page, text)
            print(f"wrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
