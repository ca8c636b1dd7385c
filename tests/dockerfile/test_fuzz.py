"""Bad input never crashes: hypothesis-generated and mutated Dockerfiles go through parse, model and every rule.

benchmarks/fuzz_lint.py runs the same generators for 100,000+ inputs; this keeps a smaller run in the suite.
"""

from __future__ import annotations

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
import fuzz_lint  # noqa: E402

RULES = all_rules("dockerfile")
fragments = st.sampled_from(fuzz_lint.TOKENS + fuzz_lint.KEYWORDS)
dockerfiles = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(fragments, st.text(max_size=8)), max_size=60).map("".join),
    st.lists(st.lists(fragments, max_size=8).map(" ".join), max_size=15).map("\n".join),
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles)
def test_lint_never_raises_on_generated_text(text):
    for finding in lint_text(text, rules=RULES):
        assert finding.line is None or finding.line >= 1


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_decoding_bytes_is_text_or_a_clean_error(data):
    try:
        decode(data, "x")
    except DockwiseError as exc:
        assert exc.exit_code == 2 and "\n" not in exc.one_line()


def test_mutated_corpus_with_contexts_never_crashes(corpus):
    rng = random.Random(20261126)
    cases = [(p.read_text(), BuildContext.load(p.parent, p)) for p in corpus]
    for _ in range(3000):
        text, context = rng.choice(cases)
        lint_text(fuzz_lint.mutate(rng, text), context=context, rules=RULES)


def test_fuzz_generators_reach_the_interesting_paths():
    """The generators must actually produce heredocs, parse errors and findings, or the fuzzing proves nothing."""
    rng = random.Random(3)
    texts = [fuzz_lint.generate(rng) for _ in range(500)]
    found = [lint_text(t, rules=RULES) for t in texts]
    rules_hit = {f.rule for fs in found for f in fs}
    assert {"DW000", "DW007", "DW008"} <= rules_hit and len(rules_hit) >= 10
    assert any("<<" in t for t in texts)
