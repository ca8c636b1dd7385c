"""Bad input never crashes: hypothesis-generated and mutated Dockerfiles go through parse, model and every rule.

benchmarks/fuzz_lint.py runs the same generators for 100,000+ inputs; this keeps a smaller run in the suite.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockwise.core.errors import DockwiseError
from dockwise.core.rules import all_rules
from dockwise.dockerfile.context import BuildContext
from dockwise.dockerfile.lint import decode, lint_text

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
import fuzz_lint

FULL = os.environ.get("HYPOTHESIS_PROFILE", "full") == "full"
# The short profile (`make check`) leaves out DW130, which starts ShellCheck for every linted text.
RULES = tuple(r for r in all_rules("dockerfile") if FULL or r.id != "DW130")
RULE_IDS = {rule.id for rule in RULES}


def assert_well_formed(findings, text: str) -> None:
    """What every lint result must hold, whatever the input: known rules, lines inside the file (or none), one-line
    messages and fixes, sorted and without duplicates, and the same result when linted again."""
    last_line = max(len(text.splitlines()), 1) + 1
    for finding in findings:
        assert finding.rule in RULE_IDS or any(rule.reports(finding.rule) for rule in RULES)
        assert finding.line is None or 1 <= finding.line <= last_line, (finding, last_line)
        assert finding.column is None or finding.column >= 1
        assert finding.message and "\n" not in finding.message and finding.fix and "\n" not in finding.fix
    keys = [(f.line or 0, f.column or 0, f.rule, f.message) for f in findings]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


fragments = st.sampled_from(fuzz_lint.TOKENS + fuzz_lint.KEYWORDS)
dockerfiles = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(fragments, st.text(max_size=8)), max_size=60).map("".join),
    st.lists(st.lists(fragments, max_size=8).map(" ".join), max_size=15).map("\n".join),
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles)
def test_lint_never_raises_on_generated_text(text):
    findings = lint_text(text, rules=RULES)
    assert_well_formed(findings, text)
    assert lint_text(text, rules=RULES) == findings


@settings(deadline=None)
@given(st.binary(max_size=200))
def test_decoding_bytes_is_text_or_a_clean_error(data):
    try:
        decode(data, "x")
    except DockwiseError as exc:
        assert exc.exit_code == 2 and "\n" not in exc.one_line()


MUTATIONS = 3000 if FULL else 500


def test_mutated_corpus_with_contexts_never_crashes(corpus):
    rng = random.Random(20261126)
    cases = [(p.read_text(), BuildContext.load(p.parent, p)) for p in corpus]
    for _ in range(MUTATIONS):
        text, context = rng.choice(cases)
        mutated = fuzz_lint.mutate(rng, text)
        assert_well_formed(lint_text(mutated, context=context, rules=RULES), mutated)


def test_fuzz_generators_reach_the_interesting_paths():
    """The generators must actually produce heredocs, parse errors and findings, or the fuzzing proves nothing."""
    rng = random.Random(3)
    texts = [fuzz_lint.generate(rng) for _ in range(500)]
    found = [lint_text(t, rules=RULES) for t in texts]
    rules_hit = {f.rule for fs in found for f in fs}
    assert {"DW000", "DW007", "DW008"} <= rules_hit and len(rules_hit) >= 10
    assert any("<<" in t for t in texts)
