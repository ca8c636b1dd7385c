"""Every rule's docstring examples are executed, lint rules and image checks alike: the anti-pattern must trigger the
rule, the best practice must not. Image-check examples are built into real image archives and read back."""

from __future__ import annotations

import re

import pytest

from dockwise.core.config import PIN_KINDS, Settings
from dockwise.core.rules import Scope, all_rules
from dockwise.image.checks import run_checks
from tests.dockerfile.helpers import lint, rule_ids
from tests.image.example_images import example_image

RULES = all_rules()
# Examples run with every policy on: off-by-default rules enabled, every package manager pinned.
EXAMPLE_SETTINGS = Settings(enable=frozenset(r.id for r in RULES), pin=frozenset(PIN_KINDS))
EXAMPLES = [(r, e) for r in RULES for e in r.examples()]
NEEDS_MORE_THAN_A_DOCSTRING = {
    (
        "DW123",
        True,
    ): "tests/dockerfile/test_context_incomplete.py makes data/ unreadable and lints without the DAC capabilities",
}


def _ids(value):
    return value.id if hasattr(value, "id") else ("bad" if value.bad else "good")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_documents_itself(rule):
    assert re.fullmatch(r"D[WI]\d{3}", rule.id) and rule.id.startswith("DI" if rule.scope is Scope.IMAGE else "DW")
    assert re.fullmatch(r"[a-z0-9-]+", rule.name)
    assert rule.fix and rule.title and isinstance(rule.scope, Scope)
    kinds = [e.bad for e in rule.examples()]
    assert True in kinds and False in kinds, f"{rule.id} needs an Anti-pattern:: and a Best practice:: block"


@pytest.mark.parametrize("rule, example", EXAMPLES, ids=_ids)
def test_rule_example(rule, example, tmp_path):
    if (rule.id, example.bad) in NEEDS_MORE_THAN_A_DOCSTRING:
        pytest.skip(NEEDS_MORE_THAN_A_DOCSTRING[rule.id, example.bad])
    if rule.domain == "image":
        found = {f.rule for f in run_checks(example_image(example), rules=[rule])}
    else:
        root = tmp_path if example.context else None
        if root is not None:
            (root / "Dockerfile").write_text(example.dockerfile)
        found = rule_ids(lint(example.dockerfile, root, example.context, config=EXAMPLE_SETTINGS))
    ours = {code for code in found if rule.reports(code)}
    if example.bad:
        assert ours, f"{rule.id} missed its own anti-pattern:\n{example.dockerfile}"
    else:
        assert not ours, f"{rule.id} fired on its own best practice:\n{example.dockerfile}"
