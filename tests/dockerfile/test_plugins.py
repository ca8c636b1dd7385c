"""Extra rules arrive as Python plugins through the `dockwise.rules` entry-point group."""

from __future__ import annotations

import subprocess
import sys
import textwrap

PLUGIN = '''
"""No Alpine bases in this company.

Anti-pattern::

    FROM python:3.13-alpine

Best practice::

    FROM python:3.13-slim
"""
from dockwise.core.rules import Hit
from dockwise.core.findings import Severity

ID = "ACME001"
NAME = "no-alpine"
SEVERITY = Severity.ERROR
FIX = "Use a Debian slim base."


def check(subject):
    for stage in subject.build.stages:
        if "alpine" in stage.base:
            yield Hit(stage.from_instruction.line, "alpine base")
'''


def test_entry_point_plugin_is_loaded_and_reported(tmp_path):
    (tmp_path / "acme_rules.py").write_text(PLUGIN)
    dist = tmp_path / "acme_rules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[dockwise.rules]\nACME001 = acme_rules\n")
    code = textwrap.dedent(
        """
        import json, sys
        from dockwise.dockerfile.lint import lint_text
        from dockwise.core.rules import all_rules
        rule = next(r for r in all_rules() if r.id == "ACME001")
        bad, good = rule.examples()
        print(json.dumps([[f.rule for f in lint_text(e.dockerfile)] for e in (bad, good)]))
        """
    )
    env = {"PYTHONPATH": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    bad, good = __import__("json").loads(out)
    assert "ACME001" in bad and "ACME001" not in good
