"""Every rule's docstring examples are executed: the anti-pattern must trigger the rule, the best practice must not."""

from __future__ import annotations

import re

import pytest

from dockwise.dockerfile.rules import all_rules
from tests.dockerfile.helpers import lint, rule_ids

RULES = all_rules()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_documents_itself(rule):
    assert re.fullmatch(r"DW\d{3}", rule.id)
    assert re.fullmatch(r"[a-z0-9-]+", rule.name)
    assert rule.fix and rule.summary
    kinds = [e.bad for e in rule.examples()]
    assert True in kinds and False in kinds, f"{rule.id} needs an Anti-pattern:: and a Best practice:: block"


@pytest.mark.parametrize(
    "rule, example",
    [(r, e) for r in RULES for e in r.examples()],
    ids=lambda v: v.id if hasattr(v, "id") else ("bad" if v.bad else "good"),
)
def test_rule_example(rule, example, tmp_path):
    root = tmp_path if example.context else None
    if root is not None:
        (root / "Dockerfile").write_text(example.dockerfile)
    found = rule_ids(lint(example.dockerfile, root, example.context))
    if example.bad:
        assert rule.id in found, f"{rule.id} missed its own anti-pattern:\n{example.dockerfile}"
    else:
        assert rule.id not in found, f"{rule.id} fired on its own best practice:\n{example.dockerfile}"
