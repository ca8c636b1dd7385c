"""The benchmark tables in docs/benchmarks/ are generated from the benchmarks' JSON records and must match them; each
renderer writes, from a record built here, a table whose rows carry that record's figures."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from dockwise.report import bench_docs

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "benchmarks"
RECORDED = bench_docs.records(DOCS)


def _page(name: str) -> Path:
    return DOCS / bench_docs.PAGES.get(name, f"{name}.md")


def _record(benchmark: str, results: dict[str, Any]) -> dict[str, Any]:
    return {
        "benchmark": benchmark,
        "command": f"python benchmarks/{benchmark}.py --json-out x.json",
        "started": "2026-01-02 03:04:05 UTC",
        "ended": "2026-01-02 03:14:15 UTC",
        "load_average": [1.25, 2.5],
        "machine": {"cpus": 2, "python": "3.11.7", "kernel": "6.1"},
        "results": results,
    }


def _rows(table: str) -> list[list[str]]:
    """The cells of every Markdown table row in `table` (separator rows left out)."""
    rows = []
    for line in table.splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|(---\|)+", line):
            rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def _row(table: str, first: str) -> list[str]:
    found = [row for row in _rows(table) if row[0] == first]
    assert len(found) == 1, f"no single row {first!r} in:\n{table}"
    return found[0]


@pytest.mark.parametrize("name", RECORDED)
def test_generated_tables_are_current(name: str):
    expected = bench_docs.pages(DOCS)[_page(name)]
    assert _page(name).read_text(encoding="utf-8") == expected, (
        f"docs/benchmarks/{_page(name).name} is stale: run `make docs` (python -m dockwise.report.bench_docs)"
    )


@pytest.mark.parametrize("name", sorted(bench_docs.RENDERERS))
def test_every_renderer_has_its_page_with_markers(name: str):
    """Markers on every page, so a run's `--json-out` and `make docs` need no hand edit; without a record the block
    is empty (nothing hand-written can hide between them)."""
    page = _page(name).read_text(encoding="utf-8")
    _head, found, rest = page.partition(bench_docs.begin_marker(name) + "\n")
    assert found and bench_docs.END in rest, name
    if name not in RECORDED:
        assert rest.startswith(bench_docs.END), f"{name}: text between the markers but no {name}.json"


def test_the_committed_records_include_the_converted_sbom_run():
    assert {"sbom", "bench-lint", "fuzz-lint", "hostile-inputs", "lint-precision"} <= set(RECORDED)


def test_the_sbom_page_shows_its_record():
    data = json.loads((DOCS / "sbom.json").read_text(encoding="utf-8"))
    page = _page("sbom").read_text(encoding="utf-8")
    results = data["results"]
    row = f"| components with a licence | {results['dockwise']['licensed']} | {results['syft']['licensed']} |"
    assert row in page
    assert f"syft {results['syft_version']}" in page


def test_a_changed_record_changes_the_page(tmp_path: Path):
    for name in RECORDED:
        page = bench_docs.PAGES.get(name, f"{name}.md")
        (tmp_path / page).write_text((DOCS / page).read_text(encoding="utf-8"), encoding="utf-8")
        data = json.loads((DOCS / f"{name}.json").read_text(encoding="utf-8"))
        data["command"] = "python benchmarks/changed.py --json-out x.json"
        (tmp_path / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    assert bench_docs.main([str(tmp_path)]) == 0
    for name in RECORDED:
        page = tmp_path / bench_docs.PAGES.get(name, f"{name}.md")
        assert page.read_text(encoding="utf-8").count("python benchmarks/changed.py --json-out x.json") == 1


def test_a_benchmark_without_a_record_keeps_its_page(tmp_path: Path):
    (tmp_path / "bench-slim.md").write_text("# recorded by hand\n", encoding="utf-8")
    assert bench_docs.pages(tmp_path) == {}
    assert bench_docs.main([str(tmp_path)]) == 0
    assert (tmp_path / "bench-slim.md").read_text(encoding="utf-8") == "# recorded by hand\n"


def test_a_page_without_markers_is_an_error():
    with pytest.raises(ValueError, match="markers"):
        bench_docs.render_page("# no table here\n", "bench-lint", {})


def test_a_converted_record_says_what_it_lacks():
    data = _record("bench_sbom", {})
    data |= {"started": None, "ended": "2026-01-02 03:14 UTC", "load_average": [6.5], "note": "converted"}
    line = bench_docs._run_line(data)
    assert "dated 2026-01-02 03:14 UTC" in line and "6.5 at the start (converted)" in line


# Each renderer on a small record of its script's shape: the run line and every figure reach their row.


def _tool(median: float, best: float, cpu: float, mib: float) -> dict[str, float]:
    return {"median_s": median, "best_s": best, "cpu_s": cpu, "peak_mib": mib}


def test_bench_inspect_renders_each_archive_beside_dive():
    archive = {
        "name": "img:1",
        "archive_bytes": 135_600_000,
        "layers": 1,
        "files": 6250,
        "dockwise": _tool(0.338, 0.3, 0.333, 28.4),
        "dive": _tool(0.13, 0.12, 0.123, 18.0),
        "baseline": None,
        "gzip_size": {"seconds": 4.95, "cpu_s": 5.1, "peak_mib": 60.0, "compressed_bytes": 49_000_000},
        "breakdown_s": {"interpreter start": 0.013, "imports": 0.091},
        "waste": {
            "reclaimable_bytes": 26_800_000,
            "reclaimable_ratio": 0.165,
            "dive_wasted_bytes": "51 MB",
            "dive_user_wasted_percent": "200 %",
            "dive_efficiency": "0.5",
            "all_copies_bytes": 51_108_216,
        },
    }
    fast = archive | {"name": "img:2", "dockwise": _tool(0.1, 0.09, 0.1, 20.0)}
    data = _record("bench_inspect", {"runs": 7, "goal_ratio": 1.0, "archives": [archive, fast]})
    text = bench_docs.bench_inspect(data)
    assert _row(text, "img:1 (135.6 MB, 1 layer)") == [
        "img:1 (135.6 MB, 1 layer)",
        "0.338 s, 0.333 s, **28 MiB**",
        "0.130 s, 0.123 s, 18 MiB",
        "2.60× / 2.50×",
        "1.58×",
    ]
    assert "met on 1 of 2" in text
    assert "interpreter start 13 ms, imports 91 ms" in text and "51,108,216 bytes" in text
    assert data["command"] in text and "2026-01-02 03:04:05 UTC to 03:14:15 UTC, load average 1.25–2.5" in text


def _variant(app: float, base: float, granian: float, dev: float, app_ms: list[float]) -> dict[str, Any]:
    return {
        "app_bytes": app,
        "app_gzip_bytes": app / 3,
        "base_bytes": base,
        "base_gzip_bytes": base / 3,
        "startup": {"app_ms": app_ms, "bare_ms": [300.0, 310.0, 320.0]},
        "phases_s": {"engine": 0.25, "imports": 0.2},
        "imports_ms": {"flask": 15.0, "werkzeug": 32.0},
        "throughput": {
            "granian": {"rps": granian, "proxy_rps": granian / 2, "requests": 1, "non_2xx": 0, "socket_errors": 0},
            "dev_server": {"rps": dev, "proxy_rps": dev / 2, "requests": 1, "non_2xx": 0, "socket_errors": 0},
        },
    }


def test_bench_webapp_renders_size_throughput_and_startup_beside_their_goals():
    goals = {"distroless_bytes": 60e6, "size_ratio": 0.5, "throughput_ratio": 5.0, "startup_ratio": 1.0}
    variants = {
        "standard": _variant(158.0e6, 130.9e6, 8924.0, 893.0, [480.0, 488.0, 500.0]),
        "distroless": _variant(75.5e6, 43.8e6, 10076.0, 588.0, [455.0, 450.0, 460.0]),
    }
    data = _record("bench_webapp", {"engine": "20.10.24", "runs": 3, "load_seconds": 5.0, "goals": goals} | {
        "variants": variants
    })  # fmt: skip
    text = bench_docs.bench_webapp(data)
    assert _row(text, "app image, unpacked / gzip") == [
        "app image, unpacked / gzip",
        "158.0 / 52.7 MB (base 130.9 MB)",
        "75.5 / 25.2 MB (base 43.8 MB)",
        "distroless ≤ 60 MB: **not met**",
    ]
    assert _row(text, "distroless / standard")[2:] == ["0.48×", "≤ 0.5×: met"]
    throughput = next(row for row in _rows(text) if row[0].startswith("req/s on `/`"))
    assert throughput[1:] == ["8,924 vs 893 = **9.99×**", "10,076 vs 588 = **17.14×**", "≥ 5×: met"]
    startup = next(row for row in _rows(text) if row[0].startswith("`docker run` → first 200"))
    assert startup[1:] == ["488 vs 310 ms = 1.57×", "455 vs 310 ms = 1.47×", "≤ 1×: **not met**"]
    assert "engine 250 / 250 ms" in text and "werkzeug 32, flask 15" in text


def test_sbom_renders_dockwise_beside_syft():
    ours = {"median_s": 0.6, "best_s": 0.44, "cpu_s": 0.33, "peak_rss_mib": 26.9, "components": 36, "licensed": 35}
    theirs = {"median_s": 4.0, "best_s": 3.3, "cpu_s": 2.35, "peak_rss_mib": 227.5, "components": 36, "licensed": 33}
    results = {
        "cpu": "AMD EPYC",
        "syft_version": "9.9.9",
        "image": {"name": "img", "archive_bytes": 77_219_840},
        "runs": 3,
        "dockwise": ours,
        "syft": theirs,
        "dockwise_spdx": {"seconds": 0.61, "peak_rss_mib": 27.0, "packages": 36, "licensed": 34},
        "ratio": {"time_median": 0.15, "time_best": 0.133, "peak_rss": 0.118, "goal": 0.2},
        "dockwise_breakdown_s": {"imports": 0.266},
    }
    text = bench_docs.sbom(_record("bench_sbom", results))
    assert _row(text, "components with a licence") == ["components with a licence", "35", "33", ""]
    assert _row(text, "peak RSS") == ["peak RSS", "26.9 MiB", "227.5 MiB", "0.118×"]
    assert _row(text, "CPU time, median")[3] == "0.140×"
    assert "syft 9.9.9" in text and "34 of 36 packages" in text and "≤ 0.2× syft's: met" in text


def _image(size: float, startup: float, rps: float, practices: int) -> dict[str, Any]:
    return {"size": size, "startup_ms": startup, "rps": rps, "practices": practices}


def test_bench_init_renders_one_row_per_app():
    app = {
        "app": "flaskr",
        "python": "3.13",
        "standard": _image(163.0e6, 625.0, 2216.0, 8),
        "distroless": _image(77.3e6, 650.0, 1880.0, 8),
        "hand": _image(163.0e6, 584.0, 1802.0, 5),
        "bare_ms": 313.0,
        "slim": {"size": 59.8e6, "ratio": 0.77, "probes_identical": True, "probes": 3},
        "resilience": {
            "rps": 1500.0,
            "errors": 0,
            "p99_ms": 40.0,
            "rss_growth": 1.02,
            "has_workers": True,
            "worker_replaced": True,
            "crash_errors": 4,
            "slow_ms": 2.5,
            "slow_held": True,
            "malformed": "29/29",
            "stop_exit": 0,
            "stop_lost": 0,
            "idle_stop_s": 0.4,
        },
    }
    refused = {k: v for k, v in app.items() if k != "resilience"} | {"app": "other", "slim": {"error": "no probe"}}
    results = {"runs": 5, "load_seconds": 3.0, "resilience_seconds": 10.0, "apps": [app, refused]}
    text = bench_docs.bench_init(_record("bench_init", results))
    figures, resilience = [row for row in _rows(text) if row[0] == "flaskr"]
    assert figures[2:9] == [
        "163.0 / 77.3 / 163.0",
        "0.47×",
        "625 / 650 / 584 / 313",
        "2.08×",
        "2,216 / 1,880 / 1,802",
        "8 / 8 / 5 of 8",
        "59.8, 0.77×, identical (3)",
    ]
    assert _row(text, "other")[8] == "refused: no probe"
    assert resilience[1:4] == ["1,500, 0, 40.0 ms", "1.02×", "replaced (4 errors)"]


def test_hostile_images_renders_each_input_and_the_worst_case():
    def run(outcome: str, seconds: float, mib: float) -> dict[str, Any]:
        return {"outcome": outcome, "seconds": seconds, "mib": mib}

    cases = [
        {"input": "gzip bomb", "runs": [run("exit 2: too big", 0.5, 31.0), run("killed after 120 s (no end)", 120, 9)]},
        {"input": "deep path", "runs": [run("exit 0: result", 0.25, 29.0), run("exit 0: result", 3.0, 408.0)]},
    ]
    results = {"bound": {"seconds": 10.0, "mib": 300.0}, "timeout": 120.0, "sources": ["this", "baseline"]}
    text = bench_docs.hostile_images(_record("hostile_images", results | {"cases": cases}))
    assert _row(text, "gzip bomb") == ["gzip bomb", "exit 2: too big", "0.50", "31", "killed after 120 s (no end)"] + [
        "120.00",
        "9",
    ]
    assert "worst case for this: 0.50 s, 31 MiB — within 10 s and 300 MiB" in text


def test_bench_base_renders_build_times_and_sizes_beside_anchors():
    anchor = {"name": "distroless python3-debian12", "unpacked_mb": 54.0, "gzip_mb": 19.6}
    images = [
        {"tag": "dockwise/distroless:latest", "unpacked_mb": 43.8, "gzip_mb": 16.0, "anchor": anchor},
        {"tag": "dockwise/distroless:faithful", "unpacked_mb": 59.7, "gzip_mb": 22.4, "anchor": anchor},
    ]
    results = {"release": "trixie", "builds_s": {"cold": None, "warm": 27.7, "up_to_date": 0.4}, "images": images}
    text = bench_docs.bench_base(_record("bench_base", results))
    assert _row(text, "warm rebuild (cached .debs)")[1] == "27.7 s"
    assert not any(row[0].startswith("cold") for row in _rows(text))  # --skip-cold: no row, not a made-up one
    assert _row(text, "`dockwise/distroless:latest`")[1:] == [
        "43.8 / 16.0 MB",
        "distroless python3-debian12 54 / 19.6 MB",
        "0.81× / 0.82×",
    ]
    assert "unpacked 0.73×, gzip 0.71×" in text


def test_bench_platforms_renders_native_beside_emulated():
    bases = [
        {"kind": "slim", "platform": "linux/amd64", "seconds": [40.3, 37.1], "ids": [["7de3"], ["7de3"]]}
        | {"same_bytes": True},
        {"kind": "slim", "platform": "linux/arm64/v8", "seconds": [451.9, 416.4], "ids": [["b995"], ["b996"]]}
        | {"same_bytes": False},
    ]
    results = {
        "native": "linux/amd64",
        "emulated": "linux/arm64/v8",
        "bases": bases,
        "builds_s": {"linux/amd64": [6.5, 6.7], "linux/arm64/v8": [266.1, 263.2]},
        "first_ok_ms": {"linux/amd64": [444.0, 440.0, 450.0], "linux/arm64/v8": [9376.0, 9000.0, 9500.0]},
    }
    text = bench_docs.bench_platforms(_record("bench_platforms", results))
    assert _row(text, "`dockwise base --only slim`, built twice")[1:] == [
        "40.3 / 37.1 s, IDs `7de3`, same IDs, byte-identical",
        "451.9 / 416.4 s, IDs `b995`, **IDs differ**, **bytes differ**",
        "11.22×",
    ]
    build = next(row for row in _rows(text) if row[0].startswith("reference service"))
    assert build[1:] == ["6.5 / 6.7 s", "266.1 / 263.2 s", "40.10×"]
    first = next(row for row in _rows(text) if row[0].startswith("its `docker run`"))
    assert first[1:] == ["444 ms", "9,376 ms", "21.12×"]


def _suite(rps: float, killed: int | None) -> dict[str, Any]:
    load = {"requests_per_s": rps, "non_2xx": 0, "socket_errors": 2, "p50_ms": 6.5, "p99_ms": 47.0}
    crash_load = {"requests": 59574, "non_2xx": 0, "socket_errors": 9}
    return {
        "sustained": {"load": load, "rss_after_warmup": 2**20 * 40, "rss_after_load": 2**20 * 41, "rss_growth": 1.025},
        "worker_crash": {"killed_pid": killed, "replaced": True, "answers_after": True, "load": crash_load},
        "slow_clients": {"normal_request_ms": 2.3 if killed else None, "held": bool(killed)},
        "malformed": {"cases": [{"ok": True}, {"ok": bool(killed)}]},
        "stop": {"exit_code": 0 if killed else 137, "lost": 0, "completed": 2096},
        "idle_stop_seconds": 0.43 if killed else 10.3,
        "notes": [] if killed else ["one process"],
    }


def test_bench_resilience_renders_one_column_per_run():
    runs = [
        {"variant": "standard", "server": "hardened", "run": "granian", "suite": _suite(8620.0, 7)},
        {"variant": "standard", "server": "dev server", "run": "flask", "suite": _suite(518.0, None)},
    ]
    text = bench_docs.bench_resilience(_record("bench_resilience", {"seconds": 60.0, "runs": runs}))
    assert _rows(text)[0] == ["", "standard hardened", "standard dev server"]
    assert _row(text, "sustained req/s, errors")[1:] == ["8,620, 2", "518, 2"]
    assert _row(text, "RSS after the load ÷ after warm-up (goal ≤ 1.1×)")[1] == "1.025× (41.0 MiB)"
    assert _row(text, "a worker SIGKILLed under load")[1:] == ["replaced; 9 errors of 59,574", "no workers to kill"]
    assert _row(text, "a normal request under 200 slow clients (goal < 1 s)")[1:] == ["2.3 ms", "**no answer**"]
    assert _row(text, "malformed HTTP: 4xx or closed, never 5xx")[1:] == ["2/2", "1/2"]
    assert _row(text, "`docker stop` under load: exit, lost of those sent before")[1:] == [
        "0, 0 of 2,096",
        "137, 0 of 2,096",
    ]
    assert _row(text, "`docker stop` idle (goal < 2 s)")[1:] == ["0.43 s", "10.3 s"]
    assert "standard dev server: one process" in text


def _candidate(name: str, rps: list[float], slow: float | None) -> dict[str, Any]:
    return {
        "name": name,
        "rps": rps,
        "logged_ratio": [1.001, 1.0],
        "startup_ms": [400.0, 420.0],
        "bare_ms": [300.0, 300.0],
        "slow_ms": slow,
        "stop_s": 0.4,
        "exit_code": 0,
        "package_bytes": 22_200_000,
    }


def test_bench_servers_renders_each_candidate_beside_the_dev_server():
    variants = {
        "standard": [_candidate("dev", [871.0, 800.0, 900.0], 5.0), _candidate("granian", [9446.0, 9000.0], None)],
        "distroless": [_candidate("dev", [926.0], 6.0), _candidate("granian", [10049.0], 12.0)],
    }
    results = {"dev_server": "dev", "runs": 2, "load_seconds": 5.0, "repeats": 3, "variants": variants}
    text = bench_docs.bench_servers(_record("bench_servers", results))
    assert _row(text, "granian") == [
        "granian",
        "9,223 (10.59)",
        "10,049 (10.85)",
        "no answer (5 s) / 12 ms",
        "0.4 s (0) / 0.4 s (0)",
        "1.37× / 1.37×",
        "1.000 / 1.000",
        "22.2 MB",
    ]
    assert _row(text, "dev")[1:3] == ["871 (1.00)", "926 (1.00)"]


def test_bench_slim_renders_distroless_beside_slim():
    throughput = {
        "/": {"distroless": {"rps": [15947.0, 15000.0], "per_cpu": [9864.0, 9000.0]}}
        | {"slim": {"rps": [15630.0, 15000.0], "per_cpu": [9768.0, 9000.0]}}
    }
    results = {
        "runtime_image": "dockwise/distroless:nonroot",
        "goal_bytes": 20e6,
        "sizes": {"distroless": 75.5e6, "slim": 52.1e6, "slim_only_traced": 50.1e6},
        "slim_seconds": 7.9,
        "size_by_directory": [{"directory": "/usr/lib/python3.13", "before": 16.8e6, "after": 6.4e6}],
        "probes": {"identical": 7, "total": 7},
        "healthcheck": {"original_exit": 0, "traced_exit": 0, "slim_exit": 0},
        "startup_ms": {"distroless": [363.0, 346.0, 389.0], "slim": [347.0, 324.0, 371.0]},
        "throughput": throughput,
    }
    text = bench_docs.bench_slim(_record("bench_slim", results))
    assert _row(text, "unpacked (engine Size)")[1:] == [
        "75.5 MB",
        "**52.1 MB** (0.69×)",
        "50.1 MB",
        "≤ 20 MB: **not met**",
    ]
    startup = next(row for row in _rows(text) if row[0].startswith("`docker run` → first 200"))
    assert startup[1:3] == ["363 ms (346–389)", "347 ms (324–371)"] and "0.96×" in startup[4]
    rate = next(row for row in _rows(text) if row[0].startswith("GET / req/s"))
    assert rate[1:3] == ["15,474 · 9,432", "15,315 · 9,384"]
    assert _row(text, "`/usr/lib/python3.13`") == ["`/usr/lib/python3.13`", "16.8", "6.4"]
    assert "7/7, 0 / 0" in _row(text, "probes identical (7), HEALTHCHECK exit original / slim")[2]
