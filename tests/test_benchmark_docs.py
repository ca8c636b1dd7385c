"""The benchmark pages under docs/benchmarks/ are generated from the benchmarks' own JSON output: each committed table
must be what its script renders from the committed JSON."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str, monkeypatch: pytest.MonkeyPatch):
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    monkeypatch.setattr(sys, "path", list(sys.path))
    spec.loader.exec_module(module)
    return module


def test_sbom_table_is_generated_from_its_json(monkeypatch):
    result = json.loads((ROOT / "docs" / "benchmarks" / "sbom.json").read_text())
    rendered = _script("bench_sbom", monkeypatch).render(result)
    assert (ROOT / "docs" / "benchmarks" / "sbom.md").read_text() == rendered
    # The figures the table shows are the JSON's, including the goal of issue 20.
    assert (
        f"| components with a licence | {result['dockwise']['licensed']} | {result['syft']['licensed']} |" in rendered
    )
    assert (
        result["ratio"]["time_median"] <= result["ratio"]["goal"]
        and result["ratio"]["peak_rss"] <= result["ratio"]["goal"]
    )
