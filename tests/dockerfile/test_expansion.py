"""Expansion: the direct substitution of plain words gives exactly what BuildKit's lexer gives, and one lint run's
expansions stay within their bounds whatever the Dockerfile (issue 15)."""

from __future__ import annotations

import time

from e2b_dockerfile_utils import ShellLex
from hypothesis import given
from hypothesis import strategies as st

from dockwise.dockerfile.expansion import MAX_VALUE, Expander, ExpansionTooLong
from tests.dockerfile.helpers import lint

names = st.sampled_from(["A", "B", "a_1", "_x", "UNSET", "A1"])
pieces = st.one_of(
    st.text(st.sampled_from(list("ab -_/:.=@1{}")), max_size=4),
    names.map(lambda n: "$" + n),
    names.map(lambda n: "${" + n + "}"),
    st.sampled_from(["$", "$1", "${A:-d}", "é", "\\$A", "'$A'", '"$A"']),
)
words = st.lists(pieces, max_size=8).map("".join)
scopes = st.fixed_dictionaries(
    {},
    optional={
        "A": st.text(max_size=5),
        "B": st.just(""),
        "a_1": st.just("v"),
        "_x": st.just("$B"),
        "A1": st.just("x y"),
    },
)


@given(words, scopes, st.booleans())
def test_direct_substitution_agrees_with_the_lexer(word, scope, unset_empty):
    try:
        theirs = ShellLex("\\", env=scope, skip_unset_env=not unset_empty).process_word(word)
    except ValueError:
        theirs = word
    assert Expander().bounded(word, scope, unset_empty=unset_empty) == theirs


def test_a_value_past_the_bound_raises_and_expand_keeps_the_word():
    big = {"A": "x" * (MAX_VALUE // 2 + 1)}
    expander = Expander()
    for word in ("${A}${A}", '"${A}${A}"'):
        try:
            expander.bounded(word, big)
        except ExpansionTooLong:
            pass
        else:
            raise AssertionError(f"{word} expanded past MAX_VALUE")
        assert expander.expand(word, big) == word


def test_the_run_budget_stops_repeated_expansion_of_a_long_value():
    lines = ["FROM python:3.13-slim", "ARG A0=xx"] + [f"ARG A{i}=${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, 16)]
    lines += [line for i in range(3000) for line in (f"ENV X{i}=1", 'EXPOSE "$A15"')]
    started = time.monotonic()
    found = lint("\n".join(lines) + "\n")
    assert time.monotonic() - started < 10
    assert any(f.rule == "DW136" and "one lint run expands" in f.message for f in found)
