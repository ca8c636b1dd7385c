"""`$VAR`, `${VAR:-default}`, `${VAR#pattern}`... expanded as BuildKit does, in bounded time and memory.

BuildKit's lexer (through e2b-dockerfile-utils' port) does the work, but it walks every character of a word and of
every value it substitutes in Python (about 1 µs each), and it matches substitution patterns with a backtracking
regex. So, per lint run (one `Expander`):

- a value never grows past MAX_VALUE: `ARG A1=${A0}${A0}` chains double at each line, and 30 lines would be 2^30
  characters; such a value stays as written (unknown to the rules) and DW136 reports it;
- words made only of text and plain `$NAME`/`${NAME}` references skip the lexer (a C-speed substitution, same result);
- the lexer walks at most LEXER_BUDGET characters and plain substitution copies at most COPY_BUDGET in all; past
  either, words stay as written and DW136 says from which line on;
- a pattern modifier with stars is applied only to values short enough for the lexer's regex;
- several rules expand the same word in the same scope: the result is computed once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import NoReturn

from e2b_dockerfile_utils import ShellLex

MAX_VALUE = 128 * 1024
"""The longest value a variable may expand to: Linux's MAX_ARG_STRLEN, past which no `NAME=value` string reaches a
RUN's environment (execve fails with E2BIG), so such a build cannot work."""
LEXER_BUDGET = 4_000_000
"""Characters the lexer may walk in one lint run (a few seconds at worst)."""
COPY_BUDGET = 32_000_000
"""Characters plain substitution may copy in one lint run (what the model keeps is part of it: memory stays bounded)."""
_CACHED = 8_000_000
"""Characters of results kept for reuse."""

_PATTERN_STEPS = 100_000
"""A `${v#p}`, `${v%p}` or `${v/p/x}` costs about len(v) ** (stars in p + 1) regex steps: values longer than that
allows stay unexpanded."""
_PATTERN_WORD = 4096
"""...and a word with such a modifier, with all it substitutes, stays this short (`${v//?/x}` repeats x per
character of v)."""
_PATTERN_MODIFIER = re.compile(r"\$\{[^}:#%/]*:?[#%/]")
_PLAIN_WORD = re.compile(r"(?:[^$\\'\"`<]|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_]))*+")
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


class ExpansionTooLong(Exception):
    """Expanding a word would give more than MAX_VALUE characters."""


class _Unexpanded(Exception):
    """Leave the word as written: a costly pattern, or the run's budget is spent."""


class _Spent(Exception):
    """The lexer budget of the run is used up."""


class _Counted(Mapping[str, str]):
    """The variables as the lexer sees them, counting what it substitutes."""

    def __init__(self, variables: Mapping[str, str], longest: int | None, allowed: int) -> None:
        self._variables, self._longest, self._allowed = variables, longest, allowed
        self.spent = 0

    def get(self, key: str, default: object = None):
        value = self._variables.get(key)
        if value is None:
            return default
        self.spent += len(value)
        if self._longest is not None and (len(value) > self._longest or self.spent > _PATTERN_WORD):
            raise _Unexpanded(key)
        if self.spent > MAX_VALUE:
            raise ExpansionTooLong(key)
        if self.spent > self._allowed:
            raise _Spent(key)
        return value

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._variables)

    def __len__(self) -> int:
        return len(self._variables)


class Expander:
    """Expands the words of one Dockerfile (escape character `escape`) within the bounds above."""

    def __init__(self, escape: str = "\\") -> None:
        self.escape = escape
        self._lexer_left = LEXER_BUDGET
        self._copy_left = COPY_BUDGET
        self._cache: dict[tuple[str, int, bool], tuple[Mapping[str, str], str]] = {}
        self._cache_left = _CACHED
        self.exhausted = False  # a word was left as written because the run's budget was spent

    def expand(self, word: str, variables: Mapping[str, str], *, unset_empty: bool = False) -> str:
        """`word` expanded; unknown variables stay as written (or become empty with `unset_empty`), and a word that
        would expand too far stays as written."""
        try:
            return self.bounded(word, variables, unset_empty=unset_empty)
        except ExpansionTooLong:
            return word

    def bounded(self, word: str, variables: Mapping[str, str], *, unset_empty: bool = False) -> str:
        """`expand`, but ExpansionTooLong when the result would pass MAX_VALUE; `unset_empty` expands unknown
        variables to nothing instead of keeping them."""
        if not any(c in word for c in ("$", "'", '"', self.escape)):
            return word
        key = (word, id(variables), unset_empty)
        cached = self._cache.get(key)
        if cached is not None and cached[0] is variables:  # the scope is kept alive with it: its id is its own
            return cached[1]
        try:
            value = self._plain(word, variables, unset_empty)
            if value is None:
                value = self._lexed(word, variables, unset_empty)
        except _Unexpanded:
            return word
        if len(value) > MAX_VALUE:
            raise ExpansionTooLong(word)
        if len(value) <= self._cache_left:
            self._cache_left -= len(value) + len(word)
            self._cache[key] = (variables, value)
        return value

    def _plain(self, word: str, variables: Mapping[str, str], unset_empty: bool) -> str | None:
        """Text and `$NAME`/`${NAME}` only (ASCII, as names then end where the lexer ends them): substituted
        directly. None for any other word."""
        if self.escape in word or not word.isascii() or not _PLAIN_WORD.fullmatch(word):
            return None
        parts: list[str] = []
        size = 0
        last = 0
        for match in _REFERENCE.finditer(word):
            value = variables.get(match.group(1) or match.group(2))
            if value is None:
                value = "" if unset_empty else match.group()
            parts += [word[last : match.start()], value]
            size += len(value) + match.start() - last
            last = match.end()
            if size > MAX_VALUE:
                raise ExpansionTooLong(word)
        self._spend_copy(size)
        parts.append(word[last:])
        return "".join(parts)

    def _lexed(self, word: str, variables: Mapping[str, str], unset_empty: bool) -> str:
        longest = None
        if _PATTERN_MODIFIER.search(word):
            if len(word) > _PATTERN_WORD:
                raise _Unexpanded(word)
            longest = int(_PATTERN_STEPS ** (1 / (word.count("*") + 1)))
        if len(word) > self._lexer_left:
            self._exhaust()
        self._lexer_left -= len(word)
        counted = _Counted(variables, longest, self._lexer_left)
        try:
            return ShellLex(self.escape, env=counted, skip_unset_env=not unset_empty).process_word(word)
        except _Spent:
            self._exhaust()
        except (ValueError, RecursionError):
            raise _Unexpanded(word) from None
        finally:
            self._lexer_left = max(self._lexer_left - counted.spent, 0)

    def _exhaust(self) -> NoReturn:
        self.exhausted = True
        self._lexer_left = self._copy_left = 0
        raise _Unexpanded()

    def _spend_copy(self, characters: int) -> None:
        if characters > self._copy_left:
            self._exhaust()
        self._copy_left -= characters
