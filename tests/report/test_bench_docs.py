"""The benchmark tables in docs/benchmarks/ are generated from the benchmarks' JSON records and must match them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockwise.report import bench_docs

DOCS = Path(__file__).resolve().parents[2] / "docs" / "benchmarks"


@pytest.mark.parametrize("name", sorted(bench_docs.RENDERERS))
def test_generated_tables_are_current(name: str):
    page = DOCS / bench_docs.PAGES.get(name, f"{name}.md")
    expected = bench_docs.pages(DOCS)[page]
    assert page.read_text(encoding="utf-8") == expected, (
        f"docs/benchmarks/{name}.md is stale: run `make docs` (python -m dockwise.report.bench_docs docs/benchmarks)"
    )


@pytest.mark.parametrize("name", sorted(bench_docs.RENDERERS))
def test_every_row_of_the_record_is_in_the_table(name: str):
    data = json.loads((DOCS / f"{name}.json").read_text(encoding="utf-8"))
    table = bench_docs.RENDERERS[name](data)
    results = data["results"]
    if name == "hostile-inputs":
        labels = [case["name"] for case in results["cases"]]
    elif name == "bench-lint":
        labels = [row["practice"] for row in results["agreement"]]
    elif name == "lint-precision":
        labels = [rule["rule"] for sample in results.values() for rule in sample["rules"]]
    else:
        labels = [f"{results['inputs']:,}"]
    assert labels
    for label in labels:
        assert f"| {label} |" in table
    assert data["command"] in table and data["started"] in table


def test_a_changed_record_changes_the_page(tmp_path: Path):
    for name in bench_docs.RENDERERS:
        page = bench_docs.PAGES.get(name, f"{name}.md")
        (tmp_path / page).write_text((DOCS / page).read_text(encoding="utf-8"), encoding="utf-8")
        data = json.loads((DOCS / f"{name}.json").read_text(encoding="utf-8"))
        data["started"] = "2000-01-01 00:00:00 UTC"
        (tmp_path / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    assert bench_docs.main([str(tmp_path)]) == 0
    for name in bench_docs.RENDERERS:
        page = tmp_path / bench_docs.PAGES.get(name, f"{name}.md")
        assert page.read_text(encoding="utf-8").count("2000-01-01 00:00:00 UTC") == 1


def test_a_page_without_markers_is_an_error():
    with pytest.raises(ValueError, match="markers"):
        bench_docs.render_page("# no table here\n", "bench-lint", {})
