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
import statistics
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
    low, high = min(data["load_average"]), max(data["load_average"])
    load = f"{low}" if low == high else f"{low}–{high}"
    if data.get("started") is None:  # a record converted from a run that kept only its end and its starting load
        return f"`{data['command']}`, dated {data['ended']}, load average {load} at the start ({data['note']})."
    return f"`{data['command']}`, {data['started']} to {data['ended'][11:]}, load average {load}."


def _ratio(value: float) -> str:
    return f"{value:.2f}×"


def _met(held: bool) -> str:
    return "met" if held else "**not met**"


def _mb(value: float) -> str:
    return f"{value / 1e6:.1f}"


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


def _seconds(figures: dict[str, Any], bold_mib: bool = False) -> str:
    """median wall, median CPU and peak RSS of one tool's runs."""
    mib = f"{figures['peak_mib']:.0f} MiB"
    return f"{figures['median_s']:.3f} s, {figures['cpu_s']:.3f} s, " + (f"**{mib}**" if bold_mib else mib)


def bench_inspect(data: dict[str, Any]) -> str:
    """benchmarks/bench_inspect.py: inspect beside dive on the same archives, and where dockwise's time goes."""
    r = data["results"]
    archives = r["archives"]
    baseline = any(a.get("baseline") for a in archives)
    header = ["archive", "dockwise defaults: median, CPU, peak RSS"]
    header += ["baseline: median, CPU, peak RSS"] if baseline else []
    header += ["dive `--ci`: median, CPU, peak RSS", "ratio to dive (wall, median / best)", "peak RSS ÷ dive"]
    rows = []
    for a in archives:
        ours, dive = a["dockwise"], a["dive"]
        row = [
            f"{a['name']} ({_mb(a['archive_bytes'])} MB, {a['layers']} layer{'s' * (a['layers'] != 1)})",
            _seconds(ours, bold_mib=True),
        ]
        row += [_seconds(a["baseline"]) if a.get("baseline") else "—"] if baseline else []
        row += [
            _seconds(dive),
            f"{_ratio(ours['median_s'] / dive['median_s'])} / {_ratio(ours['best_s'] / dive['best_s'])}",
        ]
        row.append(_ratio(ours["peak_mib"] / dive["peak_mib"]))
        rows.append(row)
    goal = r["goal_ratio"]
    met = sum(a["dockwise"]["median_s"] / a["dive"]["median_s"] <= goal for a in archives)
    parts = [
        _run_line(data),
        _table(header, rows),
        f"{r['runs']} runs of each tool, alternating; dockwise verifies every blob digest, dive none. Goal ≤ {goal:g}× "
        f"dive's median wall time: **met on {met} of {len(archives)}**.",
    ]
    for a in archives:
        phases = ", ".join(f"{name} {1000 * value:.0f} ms" for name, value in a["breakdown_s"].items())
        gzip, waste = a["gzip_size"], a["waste"]
        parts.append(
            f"{a['name']}: {a['files']:,} files in the final view. Breakdown (medians of fresh interpreters): "
            f"{phases}. `--gzip-size` (one run): {gzip['seconds']:.3f} s, CPU {gzip['cpu_s']:.3f} s, "
            f"{gzip['peak_mib']:.0f} MiB. Waste: dockwise {_mb(waste['reclaimable_bytes'])} MB reclaimable "
            f"({100 * waste['reclaimable_ratio']:.1f} %); dive wastedBytes {waste['dive_wasted_bytes']}, "
            f"userWastedPercent {waste['dive_user_wasted_percent']}; dive's all-copies sum recomputed from "
            f"dockwise's index {waste['all_copies_bytes']:,} bytes."
        )
    return "\n\n".join(parts)


def bench_webapp(data: dict[str, Any]) -> str:
    """benchmarks/bench_webapp.py: the reference service's size, req/s and startup, each beside its peer."""
    r = data["results"]
    v = r["variants"]
    names = list(v)
    goals = r["goals"]
    ratio_size = v["distroless"]["app_bytes"] / v["standard"]["app_bytes"]
    throughput = {n: v[n]["throughput"]["granian"]["rps"] / v[n]["throughput"]["dev_server"]["rps"] for n in names}
    startup = {
        n: statistics.median(v[n]["startup"]["app_ms"]) / statistics.median(v[n]["startup"]["bare_ms"]) for n in names
    }

    def size(n: str) -> str:
        x = v[n]
        return f"{_mb(x['app_bytes'])} / {_mb(x['app_gzip_bytes'])} MB (base {_mb(x['base_bytes'])} MB)"

    def rps(n: str, key: str, ratio: bool) -> str:
        ours, dev = v[n]["throughput"]["granian"][key], v[n]["throughput"]["dev_server"][key]
        return f"{ours:,.0f} vs {dev:,.0f}" + (f" = **{_ratio(ours / dev)}**" if ratio else "")

    def start(n: str) -> str:
        app, bare = (statistics.median(v[n]["startup"][k]) for k in ("app_ms", "bare_ms"))
        return f"{app:.0f} vs {bare:.0f} ms = {_ratio(app / bare)}"

    runs = len(v[names[0]]["startup"]["app_ms"])
    rows = [
        ["app image, unpacked / gzip", *(size(n) for n in names)]
        + [
            f"distroless ≤ {goals['distroless_bytes'] / 1e6:g} MB: {_met(v['distroless']['app_bytes'] <= goals['distroless_bytes'])}"
        ],
        [
            "distroless / standard",
            "",
            _ratio(ratio_size),
            f"≤ {goals['size_ratio']:g}×: {_met(ratio_size <= goals['size_ratio'])}",
        ],
        [
            f"req/s on `/`, granian vs Flask dev server, access log on, wrk -t2 -c32 for {r['load_seconds']:g} s in the netns"
        ]
        + [rps(n, "rps", True) for n in names]
        + [f"≥ {goals['throughput_ratio']:g}×: {_met(min(throughput.values()) >= goals['throughput_ratio'])}"],
        ["the same through the published port (docker-proxy)", *(rps(n, "proxy_rps", False) for n in names), ""],
        [f"`docker run` → first 200 vs `docker run --rm <base> python -c pass` (n={runs})"]
        + [start(n) for n in names]
        + [f"≤ {goals['startup_ratio']:g}×: {_met(max(startup.values()) <= goals['startup_ratio'])}"],
    ]
    phases = "; ".join(
        f"{phase} " + " / ".join(f"{1000 * v[n]['phases_s'][phase]:.0f}" for n in names) + " ms"
        for phase in v[names[0]]["phases_s"]
    )
    imports = "; ".join(
        f"{n} (total {sum(v[n]['imports_ms'].values()):.0f}): "
        + ", ".join(f"{p} {ms:.0f}" for p, ms in sorted(v[n]["imports_ms"].items(), key=lambda i: -i[1])[:8])
        for n in names
    )
    return "\n\n".join(
        [
            _run_line(data) + f" Engine {r['engine']}.",
            _table(["", *names, "goal"], rows),
            f"Startup breakdown (medians, {' / '.join(names)}): {phases}.",
            f"Imports by package (`-X importtime` self ms): {imports}.",
        ]
    )


def sbom(data: dict[str, Any]) -> str:
    """benchmarks/bench_sbom.py: `dockwise sbom` beside syft on the same archive."""
    r = data["results"]
    ours, theirs, ratio = r["dockwise"], r["syft"], r["ratio"]
    rows = [
        ["wall time, median (best)", f"{ours['median_s']} s ({ours['best_s']} s)",
         f"{theirs['median_s']} s ({theirs['best_s']} s)", f"{ratio['time_median']}× ({ratio['time_best']}×)"],
        ["CPU time, median", f"{ours['cpu_s']} s", f"{theirs['cpu_s']} s", f"{ours['cpu_s'] / theirs['cpu_s']:.3f}×"],
        ["peak RSS", f"{ours['peak_rss_mib']} MiB", f"{theirs['peak_rss_mib']} MiB", f"{ratio['peak_rss']}×"],
        ["components", ours["components"], theirs["components"], ""],
        ["components with a licence", ours["licensed"], theirs["licensed"], ""],
    ]  # fmt: skip
    spdx = r["dockwise_spdx"]
    return "\n\n".join(
        [
            _run_line(data),
            f"{data['machine']['cpus']} cores ({r['cpu']}); image `{r['image']['name']}` "
            f"({r['image']['archive_bytes'] / 1e6:.1f} MB docker-save archive), {r['runs']} runs each, alternating. "
            f"Goal: time and peak memory ≤ {ratio['goal']}× syft's: "
            f"{_met(ratio['time_median'] <= ratio['goal'] and ratio['peak_rss'] <= ratio['goal'])}.",
            _table(["", "dockwise sbom", f"syft {r['syft_version']}", "dockwise / syft"], rows),
            f"SPDX 2.3 JSON (`--format spdx-json`, one run): {spdx['seconds']} s, {spdx['peak_rss_mib']} MiB, "
            f"{spdx['licensed']} of {spdx['packages']} packages with a declared licence.",
            "Where dockwise's time goes (medians over fresh interpreters, seconds): "
            + ", ".join(f"{key} {value}" for key, value in r["dockwise_breakdown_s"].items())
            + ".",
        ]
    )


def _slim_cell(slim: dict[str, Any]) -> str:
    if "error" in slim:
        return "refused: " + slim["error"][:80]
    identical = "identical" if slim["probes_identical"] else "DIFFER"
    return f"{_mb(slim['size'])}, {_ratio(slim['ratio'])}, {identical} ({slim['probes']})"


def _crash_cell(row: dict[str, Any]) -> str:
    if not row["has_workers"]:
        return "one process: no worker to kill"
    return f"{'replaced' if row['worker_replaced'] else 'NOT replaced'} ({row['crash_errors']} errors)"


def bench_init(data: dict[str, Any]) -> str:
    """benchmarks/bench_init.py: `init` on the fixture apps beside a hand-written Dockerfile."""
    r = data["results"]
    rows = []
    for a in r["apps"]:
        s, d, h = a["standard"], a["distroless"], a["hand"]
        rows.append(
            [
                a["app"],
                a["python"],
                f"{_mb(s['size'])} / {_mb(d['size'])} / {_mb(h['size'])}",
                _ratio(d["size"] / h["size"]),
                f"{s['startup_ms']:.0f} / {d['startup_ms']:.0f} / {h['startup_ms']:.0f} / {a['bare_ms']:.0f}",
                _ratio(d["startup_ms"] / a["bare_ms"]),
                f"{s['rps']:,.0f} / {d['rps']:,.0f} / {h['rps']:,.0f}",
                f"{s['practices']} / {d['practices']} / {h['practices']} of 8",
                _slim_cell(a["slim"]),
            ]
        )
    header = ["app", "Python", "size std / distroless / hand (MB)", "distroless ÷ hand"]
    header += ["startup std / distroless / hand / bare (ms)", "distroless ÷ bare", "req/s std / distroless / hand"]
    header += ["practices std / distroless / hand", "slim (MB, ÷ distroless, probes)"]
    parts = [
        _run_line(data),
        f"Startup: median of {r['runs']} runs to the first 2xx/3xx on the health path; req/s: wrk on the health path "
        f"for {r['load_seconds']:g} s.",
        _table(header, rows),
    ]
    suites = [a for a in r["apps"] if a.get("resilience")]
    if suites:
        resilience = []
        for a in suites:
            x = a["resilience"]
            resilience.append(
                [
                    a["app"],
                    f"{x['rps']:,.0f}, {x['errors']}, {x['p99_ms']} ms",
                    _ratio(x["rss_growth"]) if x["rss_growth"] is not None else "n/a",
                    _crash_cell(x),
                    f"{'held' if x['slow_held'] else '**NOT held**'} ({x['slow_ms']} ms)",
                    x["malformed"],
                    f"{x['stop_exit']}, {x['stop_lost']}",
                    f"{x['idle_stop_s']} s",
                ]
            )
        parts.append(f"The resilience suite on each distroless image, hardened, {r['resilience_seconds']:g} s of load:")
        parts.append(
            _table(
                ["app", "sustained req/s, errors, p99", "RSS after ÷ warm", "worker SIGKILL", "200 slow clients"]
                + ["malformed 4xx", "stop under load: exit, lost", "idle stop"],
                resilience,
            )
        )
    return "\n\n".join(parts)


def hostile_images(data: dict[str, Any]) -> str:
    """benchmarks/hostile_images.py: each crafted image, this checkout beside the baseline when one ran."""
    r = data["results"]
    header = ["input"] + [f"{name}: {column}" for name in r["sources"] for column in ("outcome", "s", "MiB")]
    rows = [
        [
            case["input"],
            *(v for run in case["runs"] for v in (run["outcome"], f"{run['seconds']:.2f}", f"{run['mib']:.0f}")),
        ]
        for case in r["cases"]
    ]
    seconds = max(case["runs"][0]["seconds"] for case in r["cases"])
    mib = max(case["runs"][0]["mib"] for case in r["cases"])
    bound = r["bound"]
    held = seconds <= bound["seconds"] and mib <= bound["mib"]
    summary = (
        f"{len(r['cases'])} inputs; worst case for {r['sources'][0]}: {seconds:.2f} s, {mib:.0f} MiB — "
        f"{'within' if held else '**not within**'} {bound['seconds']:g} s and {bound['mib']:g} MiB."
    )
    return "\n\n".join([_run_line(data), _table(header, rows), summary])


def bench_base(data: dict[str, Any]) -> str:
    """benchmarks/bench_base.py: base build times, and each base's size beside its published anchor."""
    r = data["results"]
    builds = r["builds_s"]
    timing = [
        [label, f"{builds[key]:.1f} s"]
        for key, label in (
            ("cold", "cold `dockwise base` (empty .deb cache: download, verify, build, load)"),
            ("warm", "warm rebuild (cached .debs)"),
            ("up_to_date", "second run, everything in the engine"),
        )
        if builds.get(key) is not None
    ]
    sizes = []
    for image in r["images"]:
        anchor = image["anchor"]
        sizes.append(
            [
                f"`{image['tag']}`",
                f"{image['unpacked_mb']:.1f} / {image['gzip_mb']:.1f} MB",
                f"{anchor['name']} {anchor['unpacked_mb']:g} / {anchor['gzip_mb']:g} MB",
                f"{_ratio(image['unpacked_mb'] / anchor['unpacked_mb'])} / {_ratio(image['gzip_mb'] / anchor['gzip_mb'])}",
            ]
        )
    parts = [
        _run_line(data) + f" Release {r['release']}.",
        _table(["", "figure"], timing),
        _table(["image", "unpacked / gzip", "anchor (unpacked / gzip)", "ratio"], sizes),
    ]
    by_suffix = {s: next((i for i in r["images"] if i["tag"].endswith(s)), None) for s in (":latest", ":faithful")}
    lean, faithful = by_suffix[":latest"], by_suffix[":faithful"]
    if lean and faithful:
        parts.append(
            f"Distroless lean / faithful, same run: unpacked {_ratio(lean['unpacked_mb'] / faithful['unpacked_mb'])}, "
            f"gzip {_ratio(lean['gzip_mb'] / faithful['gzip_mb'])}."
        )
    return "\n\n".join(parts)


def _base_cell(b: dict[str, Any]) -> str:
    first, second = b["seconds"]
    same = "same IDs" if b["ids"][0] == b["ids"][1] else "**IDs differ**"
    identical = "byte-identical" if b["same_bytes"] else "**bytes differ**"
    return f"{first:.1f} / {second:.1f} s, IDs {' '.join(f'`{i}`' for i in b['ids'][0])}, {same}, {identical}"


def bench_platforms(data: dict[str, Any]) -> str:
    """benchmarks/bench_platforms.py: native amd64 beside emulated arm64, each figure from the same run."""
    r = data["results"]
    native, emulated = r["native"], r["emulated"]
    rows = []
    for kind in dict.fromkeys(b["kind"] for b in r["bases"]):
        cells = {b["platform"]: b for b in r["bases"] if b["kind"] == kind}

        ratio = sum(cells[emulated]["seconds"]) / sum(cells[native]["seconds"])
        row = [f"`dockwise base --only {kind}`, built twice", _base_cell(cells[native]), _base_cell(cells[emulated])]
        rows.append([*row, _ratio(ratio)])
    builds = r["builds_s"]
    rows.append(
        [f"reference service, `build --variant distroless --no-cache`, {len(builds[native])} rounds interleaved"]
        + [" / ".join(f"{s:.1f}" for s in builds[p]) + " s" for p in (native, emulated)]
        + [_ratio(statistics.median(builds[emulated]) / statistics.median(builds[native]))]
    )
    first = {p: statistics.median(r["first_ok_ms"][p]) for p in (native, emulated)}
    rows.append(
        [f"its `docker run` → first 200 on `/healthz`, hardened (median of {len(r['first_ok_ms'][native])})"]
        + [f"{first[p]:,.0f} ms" for p in (native, emulated)]
        + [_ratio(first[emulated] / first[native])]
    )
    header = ["", f"{native} (native)", f"{emulated} (emulated)", "emulated / native"]
    return "\n\n".join([_run_line(data), _table(header, rows)])


def _suite_cells(suite: dict[str, Any]) -> list[str]:
    """One run of the resilience suite as the column bench-resilience.md shows."""
    sustained, crash, slow = suite["sustained"], suite["worker_crash"], suite["slow_clients"]
    malformed, stop, idle = suite["malformed"], suite["stop"], suite["idle_stop_seconds"]
    cells = ["—"] * 8
    if sustained is not None:
        load = sustained["load"]
        cells[0] = f"{load['requests_per_s']:,.0f}, {load['non_2xx'] + load['socket_errors']}"
        cells[1] = f"{load['p50_ms']} / {load['p99_ms']} ms"
        after = sustained["rss_after_load"]
        mib = f" ({after / 2**20:.1f} MiB)" if after is not None else ""
        growth = sustained["rss_growth"]
        cells[2] = (f"{growth:.3f}×" if growth is not None else "n/a") + mib
    if crash is not None:
        if crash["killed_pid"] is None:
            cells[3] = "no workers to kill"
        else:
            state = "replaced" if crash["replaced"] and crash["answers_after"] else "**NOT replaced**"
            load = crash["load"]
            cells[3] = state + (
                f"; {load['non_2xx'] + load['socket_errors']} errors of {load['requests']:,}" if load else ""
            )
    if slow is not None:
        cells[4] = f"{slow['normal_request_ms']} ms" if slow["held"] else "**no answer**"
    if malformed is not None:
        cells[5] = f"{sum(c['ok'] for c in malformed['cases'])}/{len(malformed['cases'])}"
    if stop is not None:
        cells[6] = f"{stop['exit_code']}, {stop['lost']} of {stop['completed'] + stop['lost']:,}"
    if idle is not None:
        cells[7] = f"{idle} s"
    return cells


def bench_resilience(data: dict[str, Any]) -> str:
    """benchmarks/bench_resilience.py: the resilience suite, hardened and not, beside the dev server."""
    r = data["results"]
    columns = [_suite_cells(run["suite"]) for run in r["runs"]]
    labels = [
        "sustained req/s, errors",
        "p50 / p99",
        "RSS after the load ÷ after warm-up (goal ≤ 1.1×)",
        "a worker SIGKILLed under load",
        "a normal request under 200 slow clients (goal < 1 s)",
        "malformed HTTP: 4xx or closed, never 5xx",
        "`docker stop` under load: exit, lost of those sent before",
        "`docker stop` idle (goal < 2 s)",
    ]
    rows = [[label, *(column[i] for column in columns)] for i, label in enumerate(labels)]
    header = ["", *(f"{run['variant']} {run['server']}" for run in r["runs"])]
    notes = [f"{run['variant']} {run['server']}: {note}" for run in r["runs"] for note in run["suite"]["notes"]]
    parts = [_run_line(data) + f" Sustained load {r['seconds']:g} s per run.", _table(header, rows)]
    return "\n\n".join(parts + (["Notes: " + "; ".join(notes) + "."] if notes else []))


def bench_servers(data: dict[str, Any]) -> str:
    """benchmarks/bench_servers.py: the server candidates, each beside the Flask dev server in the same run."""
    r = data["results"]
    variants = r["variants"]
    names = list(variants)
    dev = {v: statistics.median(c["rps"]) for v in names for c in variants[v] if c["name"] == r["dev_server"]}

    def cells(v: str, name: str) -> dict[str, Any]:
        return next(c for c in variants[v] if c["name"] == name)

    rows = []
    for name in [c["name"] for c in variants[names[0]]]:
        row = [name]
        for v in names:
            rps = statistics.median(cells(v, name)["rps"])
            row.append(f"{rps:,.0f} ({rps / dev[v]:.2f})" if v in dev else f"{rps:,.0f}")
        each = [cells(v, name) for v in names]
        row.append(" / ".join("no answer (5 s)" if c["slow_ms"] is None else f"{c['slow_ms']:.0f} ms" for c in each))
        row.append(" / ".join(f"{c['stop_s']:.1f} s ({c['exit_code']})" for c in each))
        row.append(
            " / ".join(_ratio(statistics.median(c["startup_ms"]) / statistics.median(c["bare_ms"])) for c in each)
        )
        row.append(" / ".join(f"{min(c['logged_ratio']):.3f}" for c in each))
        row.append(f"{each[0]['package_bytes'] / 1e6:.1f} MB")
        rows.append(row)
    variants_label = " / ".join(names)
    header = ["server", *(f"req/s {v} (× dev)" for v in names)]
    header += [
        f"normal request under 200 slow clients ({variants_label})",
        f"`docker stop` idle (exit; {variants_label})",
    ]
    header += [f"startup ÷ bare ({variants_label})", f"access lines ÷ requests ({variants_label})", "own packages"]
    return "\n\n".join(
        [
            _run_line(data)
            + f" wrk -t2 -c32 for {r['load_seconds']:g} s × {r['repeats']} rounds; startup n={r['runs']}.",
            _table(header, rows),
        ]
    )


def bench_slim(data: dict[str, Any]) -> str:
    """benchmarks/bench_slim.py: the reference service's distroless image beside its slim image."""
    r = data["results"]
    sizes = r["sizes"]
    ratio = sizes["slim"] / sizes["distroless"]
    probes, health = r["probes"], r["healthcheck"]
    startup = {name: r["startup_ms"][name] for name in ("distroless", "slim")}
    median = {name: statistics.median(values) for name, values in startup.items()}

    def start(name: str) -> str:
        values = startup[name]
        return f"{median[name]:.0f} ms ({min(values):.0f}–{max(values):.0f})"

    rows = [
        ["unpacked (engine Size)", f"{_mb(sizes['distroless'])} MB", f"**{_mb(sizes['slim'])} MB** ({_ratio(ratio)})"]
        + [f"{_mb(sizes['slim_only_traced'])} MB", f"≤ {r['goal_bytes'] / 1e6:g} MB: {_met(sizes['slim'] <= r['goal_bytes'])}"],
        [f"probes identical ({probes['total']}), HEALTHCHECK exit original / slim", "",
         f"{probes['identical']}/{probes['total']}, {health['original_exit']} / {health['slim_exit']}", "",
         f"all: {_met(probes['identical'] == probes['total'])}"],
        [f"`docker run` → first 200 on /healthz, median (min–max, n={len(startup['slim'])})", start("distroless"),
         start("slim"), "", f"slim ≤ distroless: **{_ratio(median['slim'] / median['distroless'])}**, "
         f"{_met(median['slim'] <= median['distroless'])}"],
    ]  # fmt: skip
    for path, figures in r["throughput"].items():
        rps = {name: statistics.median(figures[name]["rps"]) for name in ("distroless", "slim")}
        cpu = {name: statistics.median(figures[name]["per_cpu"]) for name in ("distroless", "slim")}
        rounds = len(figures["slim"]["rps"])
        rows.append(
            [f"GET {path} req/s (median of {rounds}) · requests per CPU-second"]
            + [f"{rps[name]:,.0f} · {cpu[name]:,.0f}" for name in ("distroless", "slim")]
            + ["", f"{_ratio(rps['slim'] / rps['distroless'])} · {_ratio(cpu['slim'] / cpu['distroless'])}"]
        )
    directories = _table(
        ["directory", "distroless MB", "slim MB"],
        [[f"`{d['directory']}`", _mb(d["before"]), _mb(d["after"])] for d in r["size_by_directory"]],
    )
    return "\n\n".join(
        [
            _run_line(data) + f" Runtime base `{r['runtime_image']}`; a slim run took {r['slim_seconds']:.1f} s.",
            _table(["", "distroless", "slim", "slim `--only-traced-modules`", "goal"], rows),
            directories,
        ]
    )


RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "hostile-inputs": hostile_inputs,
    "bench-lint": bench_lint,
    "lint-precision": lint_precision,
    "fuzz-lint": fuzz_lint,
    "bench-inspect": bench_inspect,
    "bench-webapp": bench_webapp,
    "sbom": sbom,
    "bench-init": bench_init,
    "hostile-images": hostile_images,
    "bench-base": bench_base,
    "bench-platforms": bench_platforms,
    "bench-resilience": bench_resilience,
    "bench-servers": bench_servers,
    "bench-slim": bench_slim,
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


def records(docs: Path) -> list[str]:
    """The benchmarks that have a record in `docs`."""
    return [name for name in RENDERERS if (docs / f"{name}.json").is_file()]


def pages(docs: Path) -> dict[Path, str]:
    """Every generated page as it should read, from the records next to it (a benchmark without a record yet keeps
    its page as recorded by hand)."""
    out: dict[Path, str] = {}
    for name in records(docs):
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
