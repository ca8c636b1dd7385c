"""Docker's wildcard patterns — `.dockerignore` lines and COPY/ADD sources — matched in time linear in the path.

`.dockerignore` semantics are moby/patternmatcher's, as e2b-dockerfile-utils ports them (this module agrees with that
port on every pattern it accepts; tests/dockerfile/test_wildcards.py checks it on generated patterns): a pattern is
cleaned like a path, `*` is any run of characters but `/`, `?` one character but `/`, `**` any number of directories,
`[...]` a character class, `\\` escapes the next character; a pattern without wildcards compares as a string,
`x**` as a prefix, `**x` as a suffix. COPY sources follow Go's `filepath.Match` (BuildKit's): no `**`, classes
`[^a-z]`, `*` and `?` never match `/`.

Docker runs the rest as a Go regular expression, which takes linear time; Python's `re` backtracks, so
`*a*a*a*a*a*a*a*a*a*ab` against a long name ran for minutes. Here a pattern becomes a small automaton, one state per
item, run over the path with the set of live states as the bits of an int — one step per character, never
exponential — and the steps taken are cached per (state set, character), a lazily built DFA, so a common pattern
costs one dict lookup per character.

Where the port and Docker differ, this follows the port: an escaped character (`\\d`) is that character, where Go's
regexp would read `\\d` as a digit class, and `^` is a literal, where Go would read an anchor (both rare in real
`.dockerignore` files).
"""

from __future__ import annotations

import posixpath
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

MAX_PATTERN_BYTES = 65_535
"""Docker reads `.dockerignore` with Go's bufio.Scanner, which fails the build on a longer line ("token too long")."""

_CACHED_STEPS = 1 << 16
"""Transitions kept per pattern; past this the cache starts over (a pathological pattern stays linear, just slower)."""
MAX_CLASSES = 1000
"""Distinct `[...]` classes one `.dockerignore` may use: each is tested against every new character of every path,
so a file of 300,000 different classes would take minutes (a real one has a handful)."""


class _Kind(Enum):
    LITERAL = 1  # one given character
    ONE = 2  # `?`: one character but `/`
    CLASS = 3  # `[...]`: one character of the class
    STAR = 4  # `*`: any run of characters but `/`
    DIRS = 5  # `**` before more pattern: nothing, or any run ending in `/` (no new line, like a regex `.`)
    REST = 6  # `**` at the end: any run without a new line


@dataclass(frozen=True)
class _Item:
    kind: _Kind
    char: str = ""  # LITERAL
    test: Callable[[str], object] | None = None  # CLASS: truthy when the character is in the class


class Automaton:
    """A full match of a path against a sequence of items, in one pass, without backtracking."""

    def __init__(self, items: Sequence[_Item]) -> None:
        literal: dict[str, int] = {}
        classes: dict[Callable[[str], object], int] = {}  # one entry per distinct class: `[a]` 20,000 times is one test
        one = star = free = once = twice = 0
        state = 0
        for item in items:
            bit = 1 << state
            if item.kind is _Kind.LITERAL:
                literal[item.char] = literal.get(item.char, 0) | bit
            elif item.kind is _Kind.ONE:
                one |= bit
            elif item.kind is _Kind.CLASS:
                assert item.test is not None
                classes[item.test] = classes.get(item.test, 0) | bit
            elif item.kind is _Kind.STAR:
                star |= bit
                once |= bit
            elif item.kind is _Kind.REST:
                free |= bit
                once |= bit
            else:  # DIRS: an entry state (skip the group, or enter its loop) and a loop that leaves on `/`
                once |= bit
                twice |= bit
                state += 1
                free |= bit << 1
                literal["/"] = literal.get("/", 0) | bit << 1
            state += 1
        self._literal, self._classes, self._one = literal, tuple(classes.items()), one
        self._star, self._free, self._once, self._twice = star, free, once, twice
        self._final = 1 << state
        self._start = self._closure(1)
        self._masks: dict[str, tuple[int, int]] = {}
        self._steps: dict[tuple[int, str], int] = {}

    def _closure(self, states: int) -> int:
        while True:
            more = states | (states & self._once) << 1 | (states & self._twice) << 2
            if more == states:
                return states
            states = more

    def _masks_for(self, char: str) -> tuple[int, int]:
        masks = self._masks.get(char)
        if masks is None:
            consume = self._literal.get(char, 0)
            if char != "/":
                consume |= self._one
            for test, bit in self._classes:
                if test(char):
                    consume |= bit
            stay = (self._star if char != "/" else 0) | (self._free if char != "\n" else 0)
            masks = self._masks[char] = (consume, stay)
        return masks

    def matches(self, text: str) -> bool:
        steps = self._steps
        states = self._start
        for char in text:
            key = (states, char)
            following = steps.get(key)
            if following is None:
                consume, stay = self._masks_for(char)
                following = self._closure((states & consume) << 1 | (states & stay))
                if len(steps) >= _CACHED_STEPS:
                    steps.clear()
                steps[key] = following
            if not following:
                return False
            states = following
        return bool(states & self._final)


# --- .dockerignore ----------------------------------------------------------------------------------------------


class _Type(Enum):
    EXACT = 1
    PREFIX = 2
    SUFFIX = 3
    AUTOMATON = 4


def _check_syntax(pattern: str) -> None:
    """Refuse what Go's filepath.Match refuses (Docker checks every pattern with it): a trailing `\\`, a class that
    is empty, unterminated, or has a range end missing."""
    size = len(pattern)

    def class_char(i: int) -> int:
        if i >= size or pattern[i] in "-]":
            raise ValueError("syntax error in pattern")
        if pattern[i] == "\\":
            i += 1
            if i >= size:
                raise ValueError("syntax error in pattern")
        i += 1
        if i >= size:
            raise ValueError("syntax error in pattern")
        return i

    i = 0
    while i < size:
        char = pattern[i]
        i += 1
        if char == "\\":
            if i >= size:
                raise ValueError("syntax error in pattern")
            i += 1
        elif char == "[":
            if i < size and pattern[i] == "^":
                i += 1
            ranges = 0
            while not (ranges and i < size and pattern[i] == "]"):
                i = class_char(i)
                if pattern[i] == "-":
                    i = class_char(i + 1)
                ranges += 1
            i += 1


def _class_test(text: str) -> Callable[[str], object]:
    """Docker's bracket expression as a one-character test. e2b's port hands the bracket text to Python's regex
    engine unchanged, so the same engine decides here (one character: no backtracking)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "possible nested set" for `[[]`: valid, as in Go
        return re.compile(text).fullmatch


def _ignore_items(pattern: str, classes: dict[str, Callable[[str], object]]) -> tuple[_Type, tuple[_Item, ...]]:
    """How a cleaned `.dockerignore` pattern matches: its type as moby decides it, and its items. `classes` holds
    the class tests of the whole file, by text (one test per distinct class)."""
    items: list[_Item] = []
    kind = _Type.EXACT
    i, size = 0, len(pattern)
    while i < size:
        first = i == 0
        char = pattern[i]
        i += 1
        if char == "*" and i < size and pattern[i] == "*":
            i += 1
            if i < size and pattern[i] == "/":
                i += 1
            if i >= size:
                items.append(_Item(_Kind.REST))
                kind = _Type.PREFIX if kind is _Type.EXACT else _Type.AUTOMATON
            else:
                if not (items and items[-1].kind is _Kind.DIRS):  # `**/**/` is `**/`
                    items.append(_Item(_Kind.DIRS))
                kind = _Type.AUTOMATON
            if first:
                kind = _Type.SUFFIX
        elif char == "*":
            items.append(_Item(_Kind.STAR))
            kind = _Type.AUTOMATON
        elif char == "?":
            items.append(_Item(_Kind.ONE))
            kind = _Type.AUTOMATON
        elif char == "[":
            end = i + 1 if i < size and pattern[i] == "^" else i
            while end < size and pattern[end] != "]":
                end += 2 if pattern[end] == "\\" else 1
            text = pattern[i - 1 : end + 1]
            if text not in classes:
                if len(classes) >= MAX_CLASSES:
                    raise ValueError(f"more than {MAX_CLASSES} different [...] classes, too many to check")
                classes[text] = _class_test(text)
            items.append(_Item(_Kind.CLASS, test=classes[text]))
            i = end + 1
            kind = _Type.AUTOMATON
        elif char == "\\" and i < size:
            items.append(_Item(_Kind.LITERAL, pattern[i]))
            i += 1
            kind = _Type.AUTOMATON
        elif char == "]":
            items.append(_Item(_Kind.LITERAL, char))
            kind = _Type.AUTOMATON
        else:
            items.append(_Item(_Kind.LITERAL, char))
    return kind, tuple(items)


@dataclass(frozen=True)
class IgnorePattern:
    """One `.dockerignore` pattern, cleaned; `exclusion` for a `!` line."""

    text: str
    exclusion: bool
    match: Callable[[str], bool]

    @property
    def dirs(self) -> list[str]:
        return self.text.split("/")

    @classmethod
    def compile(cls, line: str, classes: dict[str, Callable[[str], object]] | None = None) -> IgnorePattern | None:
        """The pattern of one line, None for a comment or a blank line; ValueError for a bad pattern. `classes` is
        shared by the lines of one file."""
        if len(line) > MAX_PATTERN_BYTES // 4 and len(line.encode("utf-8", "surrogateescape")) > MAX_PATTERN_BYTES:
            raise ValueError(f"a line longer than {MAX_PATTERN_BYTES} bytes, which Docker refuses to read")
        if line.startswith("#"):
            return None
        pattern = line.strip()
        if not pattern:
            return None
        exclusion = pattern.startswith("!")
        if exclusion:
            pattern = pattern[1:].strip()
            if not pattern:
                raise ValueError(f"Invalid ignore pattern '{line}': illegal exclusion pattern")
        pattern = posixpath.normpath(re.sub("/+", "/", pattern))
        if len(pattern) > 1 and pattern.startswith("/"):
            pattern = pattern[1:]
        try:
            _check_syntax(pattern)
            kind, items = _ignore_items(pattern, {} if classes is None else classes)
        except (ValueError, re.error) as exc:
            raise ValueError(f"Invalid ignore pattern '{line}': {exc}") from None
        return cls(pattern, exclusion, _matcher(kind, pattern, items))


def _matcher(kind: _Type, pattern: str, items: tuple[_Item, ...]) -> Callable[[str], bool]:
    if kind is _Type.EXACT:
        return pattern.__eq__
    if kind is _Type.PREFIX:
        prefix = pattern[:-2]
        return lambda path: path.startswith(prefix)
    if kind is _Type.SUFFIX:
        suffix = pattern[2:]
        return lambda path: path.endswith(suffix) or (suffix.startswith("/") and path == suffix[1:])
    return Automaton(items).matches


_WILDCARD = re.compile(r"[*?\[\\]")


class IgnoreMatcher:
    """`.dockerignore` patterns in order; the last one that matches a path (or one of its parent directories)
    decides, `!` re-includes. ValueError for a bad pattern."""

    def __init__(self, lines: Sequence[str]) -> None:
        classes: dict[str, Callable[[str], object]] = {}
        self.patterns = tuple(p for p in (IgnorePattern.compile(line, classes) for line in lines) if p is not None)

    def match(self, path: str, parent: tuple[bool, ...] = ()) -> tuple[bool, tuple[bool, ...]]:
        """Whether `path` is excluded, given what its parent directory's call returned (nothing for a top-level
        path); the second value is for the paths under it. Each pattern looks at each path once."""
        excluded = False
        matched: list[bool] = []
        for i, pattern in enumerate(self.patterns):
            hit = bool(parent) and parent[i]
            if not hit:
                if pattern.exclusion != excluded:  # nothing this pattern could change
                    matched.append(False)
                    continue
                hit = pattern.match(path)
            matched.append(hit)
            if hit:
                excluded = not pattern.exclusion
        return excluded, tuple(matched)

    def matches(self, path: str) -> bool:
        """Whether `path` (slash-separated, relative to the context root) is excluded."""
        parts = path.split("/")
        info: tuple[bool, ...] = ()
        excluded = False
        for depth in range(1, len(parts) + 1):
            excluded, info = self.match("/".join(parts[:depth]), info)
        return excluded

    def may_match_under(self, directory: str) -> bool:
        """Whether a `!` pattern could re-include something under `directory`, which must then still be walked."""
        parts = directory.split("/")
        return any(p.exclusion and _could_reach(p.dirs, parts) for p in self.patterns)


def _could_reach(pattern_dirs: list[str], parts: list[str]) -> bool:
    for i, part in enumerate(parts):
        if i >= len(pattern_dirs):
            return False
        segment = pattern_dirs[i]
        if "**" in segment:
            return True
        if not _WILDCARD.search(segment) and segment != part:
            return False
    return len(pattern_dirs) > len(parts)


# --- COPY/ADD sources -------------------------------------------------------------------------------------------


def has_wildcards(source: str) -> bool:
    """BuildKit's test: a `*`, `?` or `[` not escaped by `\\`."""
    i = 0
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        if source[i] in "*?[":
            return True
        i += 1
    return False


def source_glob(pattern: str) -> Automaton | None:
    """A COPY source pattern as Go's filepath.Match reads it; None when the pattern is malformed (Match never
    matches then)."""
    items: list[_Item] = []
    i, size = 0, len(pattern)
    try:
        while i < size:
            char = pattern[i]
            i += 1
            if char == "*":
                if not (items and items[-1].kind is _Kind.STAR):
                    items.append(_Item(_Kind.STAR))
            elif char == "?":
                items.append(_Item(_Kind.ONE))
            elif char == "\\":
                if i >= size:
                    return None
                items.append(_Item(_Kind.LITERAL, pattern[i]))
                i += 1
            elif char == "[":
                test, i = _go_class(pattern, i)
                items.append(_Item(_Kind.CLASS, test=test))
            else:
                items.append(_Item(_Kind.LITERAL, char))
    except ValueError:
        return None
    return Automaton(items)


def _go_class(pattern: str, i: int) -> tuple[Callable[[str], object], int]:
    """The class starting after `[` at `i` (`[^...]` negates, `a-z` ranges, `\\` escapes): a test that never takes
    `/`, and the index after `]`."""
    size = len(pattern)
    negated = i < size and pattern[i] == "^"
    i += negated
    ranges: list[tuple[str, str]] = []

    def char_at(j: int) -> tuple[str, int]:
        if j >= size or pattern[j] in "-]":
            raise ValueError("bad class")
        if pattern[j] == "\\":
            j += 1
            if j >= size:
                raise ValueError("bad class")
        return pattern[j], j + 1

    while not (ranges and i < size and pattern[i] == "]"):
        low, i = char_at(i)
        high = low
        if i < size and pattern[i] == "-":
            high, i = char_at(i + 1)
        ranges.append((low, high))
    pairs = tuple(ranges)
    return (lambda c: c != "/" and any(lo <= c <= hi for lo, hi in pairs) != negated), i + 1
