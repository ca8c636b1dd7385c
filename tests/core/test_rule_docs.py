"""`dockwise rules` and docs/rules.md come from the rule modules: the committed docs must match what they generate."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from dockwise.cli import main
from dockwise.core.rules import all_rules
from dockwise.report.rule_docs import rules_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_docs_rules_md_is_current():
    assert DOCS.read_text(encoding="utf-8") == rules_markdown(all_rules()), (
        "docs/rules.md is stale: run `python -m dockwise.report.rule_docs docs/rules.md`"
    )


def test_rules_lists_every_rule_and_check():
    out = CliRunner().invoke(main, ["rules"]).output
    ids = [line.split()[0] for line in out.splitlines()]
    assert ids == [r.id for r in all_rules()]
    assert "DW005" in ids and "DI008" in ids


def test_rules_explains_one():
    result = CliRunner().invoke(main, ["rules", "DW005"])
    assert result.exit_code == 0
    text = result.output
    for part in ("DW005 pip-no-cache", "Anti-pattern:", "Best practice:", "Fix: ", "References: hadolint DL3042"):
        assert part in text
    assert text.index("Anti-pattern:") < text.index("Best practice:") < text.index("Fix: ")


def test_rules_by_name_and_json():
    [entry] = json.loads(CliRunner().invoke(main, ["rules", "wasted-space", "--format", "json"]).output)
    assert entry["id"] == "DI008" and entry["scope"] == "image" and entry["examples"][0]["bad"] is True


def test_unknown_rule_is_one_line_exit_2():
    result = CliRunner().invoke(main, ["rules", "DW999"])
    assert result.exit_code == 2 and result.output.strip() == "error: no rule 'DW999' — list them with `dockwise rules`"
