"""Inline suppressions, in the spirit of hadolint's:

- ``# dockwise: ignore=DW005,DW102 -- reason`` silences those rules on the next instruction;
- ``# dockwise: stage ignore=DW008 -- reason`` on the whole stage that the next instruction belongs to;
- ``# dockwise: global ignore=DW113 -- reason`` on the whole file.

The reason after ``--`` is optional but encouraged. Pragmas inside heredoc bodies are not pragmas.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property

from dockwise.dockerfile.model import Build

_PRAGMA = re.compile(r"^\s*#\s*dockwise:\s*(?:(global|stage)\s+)?ignore\s*=\s*([A-Za-z0-9_, ]+?)\s*(?:--.*)?$")


@dataclass(frozen=True)
class Suppressions:
    """Rule ids silenced for the whole file, and per line range (inclusive)."""

    everywhere: frozenset[str]
    ranges: tuple[tuple[int, int, frozenset[str]], ...]

    def silences(self, rule: str, line: int | None) -> bool:
        if rule in self.everywhere:
            return True
        if line is None or rule not in self._by_rule:
            return False
        starts, reach = self._by_rule[rule]
        at = bisect.bisect_right(starts, line)
        return at > 0 and reach[at - 1] >= line

    @cached_property
    def _by_rule(self) -> dict[str, tuple[list[int], list[int]]]:
        """Per rule: its ranges' starts, sorted, and the furthest end among the ranges up to each (binary search
        instead of a scan per finding)."""
        spans: dict[str, list[tuple[int, int]]] = {}
        for start, end, ids in self.ranges:
            for rule in ids:
                spans.setdefault(rule, []).append((start, end))
        index = {}
        for rule, found in spans.items():
            found.sort()
            reach, furthest = [], 0
            for _start, end in found:
                furthest = max(furthest, end)
                reach.append(furthest)
            index[rule] = ([start for start, _end in found], reach)
        return index


def suppressions(build: Build) -> Suppressions:
    dockerfile = build.dockerfile
    inside_heredoc = {n for i in dockerfile.instructions if i.heredocs for n in range(i.line + 1, i.end_line + 1)}
    by_line = {i.line: i for i in dockerfile.instructions}
    starts = sorted(by_line)
    froms = sorted(s.from_instruction.line for s in build.stages)
    everywhere: set[str] = set()
    ranges: list[tuple[int, int, frozenset[str]]] = []
    for number, text in enumerate(dockerfile.lines, start=1):
        if "dockwise" not in text:
            continue
        match = _PRAGMA.match(text)
        if not match or number in inside_heredoc:
            continue
        ids = frozenset(part.strip().upper() for part in match.group(2).split(",") if part.strip())
        at = bisect.bisect_right(starts, number)
        following = starts[at] if at < len(starts) else None
        if match.group(1) == "global":
            everywhere |= ids
        elif following is None:
            continue
        elif match.group(1) == "stage":
            ranges.append((*_stage_range(froms, following, len(dockerfile.lines)), ids))
        else:
            instruction = by_line[following]
            ranges.append((instruction.line, instruction.end_line, ids))
    return Suppressions(frozenset(everywhere), tuple(ranges))


def _stage_range(froms: list[int], line: int, last_line: int) -> tuple[int, int]:
    """The lines of the stage that holds `line`, from the sorted FROM lines (binary search: 10,000 stages)."""
    at = bisect.bisect_right(froms, line)
    start = froms[at - 1] if at else 1
    later = bisect.bisect_right(froms, start)
    return start, (froms[later] - 1 if later < len(froms) else last_line + 1)
