"""DW123: what the context walk cannot see is reported, never passed over (an unreadable directory, a context
larger than the walk's bound)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from dockwise.core.rules import find_rule
from dockwise.dockerfile import context as context_module
from tests.dockerfile.helpers import lint, make_context


def _bad_example():
    return next(e for e in find_rule("DW123").examples() if e.bad)


@pytest.mark.root
def test_unreadable_directory_is_an_error_finding(tmp_path):
    """The docstring's anti-pattern, with data/ really unreadable: linted by root without the capabilities that let
    root read any directory (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH)."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to drop the capabilities")
    example = _bad_example()
    root = tmp_path / "ctx"
    make_context(root, example.context)
    (root / "Dockerfile").write_text(example.dockerfile)
    (root / "data" / ".env").write_text("TOKEN=x\n")
    (root / "data").chmod(0o000)
    try:
        result = subprocess.run(
            [
                setpriv,
                "--bounding-set=-dac_override,-dac_read_search",
                sys.executable,
                "-m",
                "dockwise.cli",
                "lint",
                "--format",
                "json",
                str(root / "Dockerfile"),
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
    finally:
        (root / "data").chmod(0o755)
    findings = [f for f in json.loads(result.stdout) if f["rule"] == "DW123"]
    assert result.returncode == 1, result.stderr
    assert len(findings) == 1 and findings[0]["severity"] == "error" and "cannot read data" in findings[0]["message"]


def test_a_context_past_the_walk_bound_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(context_module, "MAX_ENTRIES", 3)
    files = [(f"f{i}.py", "x\n") for i in range(5)] + [(".dockerignore", ".git\n")]
    [finding] = [f for f in lint("FROM python:3.13-slim\nCOPY . /app\n", tmp_path, files) if f.rule == "DW123"]
    assert finding.severity.label() == "warning" and "were not checked" in finding.message


def test_a_complete_context_is_not_reported(tmp_path):
    files = [("app.py", "x\n"), (".dockerignore", ".git\n")]
    assert not [f for f in lint("FROM python:3.13-slim\nCOPY . /app\n", tmp_path, files) if f.rule == "DW123"]
