"""The linear-time wildcard matcher: the same answers as e2b-dockerfile-utils' port of moby's matcher on generated
patterns and paths, and no backtracking on the patterns that made that port run for minutes (issue 15)."""

from __future__ import annotations

import time
import warnings

import pytest
from e2b_dockerfile_utils import PatternMatcher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockwise.dockerfile.wildcards import IgnoreMatcher, has_wildcards, source_glob

PATTERN_CHARS = list("ab/*?[]^-\\!.# \n\x85é")
PATH_CHARS = list("ab.-*?[]\\^ \n\x85é")
patterns = st.lists(st.text(st.sampled_from(PATTERN_CHARS), max_size=12), max_size=4)
paths = st.lists(st.text(st.sampled_from(PATH_CHARS), min_size=1, max_size=6), min_size=1, max_size=4).map("/".join)


def _compile(kind, lines):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return kind(lines)
    except ValueError:
        return None


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patterns, st.lists(paths, max_size=6))
def test_agrees_with_e2b_dockerfile_utils(lines, names):
    """Short paths and patterns keep the library's backtracking cheap; on them both must say the same."""
    theirs, ours = _compile(PatternMatcher, lines), _compile(IgnoreMatcher, lines)
    assert (theirs is None) == (ours is None), lines
    if theirs is None:
        return
    for name in names:
        assert ours.matches(name) == theirs.matches(name), (lines, name)
        assert ours.may_match_under(name) == theirs.may_match_under(name), (lines, name)


@pytest.mark.parametrize(
    "lines, path, excluded",
    [
        (["*.pyc"], "a.pyc", True),
        (["*.pyc"], "pkg/a.pyc", False),
        (["**/*.pyc"], "pkg/a.pyc", True),
        (["docs", "!docs/keep.md"], "docs/keep.md", False),
        (["docs", "!docs/keep.md"], "docs/drop.md", True),
        (["**"], "anything/at/all", True),
        (["a/**"], "a", False),
        (["a/**"], "a/b", True),
        (["**/x"], "x", True),
        (["[a-c]?"], "bz", True),
        (["[^a]"], "a", False),
        (["\\*"], "*", True),
        (["\\*"], "a", False),
    ],
)
def test_docker_semantics(lines, path, excluded):
    assert IgnoreMatcher(lines).matches(path) is excluded


@pytest.mark.parametrize(
    "pattern", ["*a*a*a*a*a*a*a*a*a*ab", "**/*a*a*a*a*a*a*a*a*a*ab", "*a" * 2000 + "b", "**/" * 500 + "x"]
)
def test_no_backtracking(pattern):
    matcher = IgnoreMatcher([pattern])
    started = time.monotonic()
    for name in ("a" * 255, "a/" * 2000 + "a" * 255, "a" * 4096):
        assert not matcher.matches(name)
    assert time.monotonic() - started < 2


def test_copy_sources_are_filepath_match_globs():
    assert (
        has_wildcards("*.py") and has_wildcards("a[bc]") and not has_wildcards("a\\*b") and not has_wildcards("app.py")
    )
    glob = source_glob("src/[a-c]*.py")
    assert glob is not None and glob.matches("src/b.py") and not glob.matches("src/d.py")
    assert not glob.matches("src/b/x.py")  # `*` never crosses `/`
    assert source_glob("[") is None  # malformed: Match never matches
    started = time.monotonic()
    assert not source_glob("*a*a*a*a*a*a*a*a*a*ab").matches("a" * 100_000)
    assert time.monotonic() - started < 2


def test_classes_are_compiled_once_each_and_bounded():
    started = time.monotonic()
    matcher = IgnoreMatcher(["[a]" * 21_845] * 5)  # 100,000 copies of one class
    assert not matcher.matches("a" * 255) and time.monotonic() - started < 10
    with pytest.raises(ValueError, match="too many to check"):
        IgnoreMatcher([f"[a{chr(0x100 + i)}]" for i in range(2000)])
