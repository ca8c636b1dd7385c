"""Inline suppressions, in the spirit of hadolint's:

- ``# dockwise: ignore=DW005,DW102 -- reason`` silences those rules on the next instruction;
- ``# dockwise: stage ignore=DW008 -- reason`` on the whole stage that the next instruction belongs to;
- ``# dockwise: global ignore=DW113 -- reason`` on the whole file.

The reason after ``--`` is optional but encouraged. Pragmas inside heredoc bodies are not pragmas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
        if line is None:
            return False
        return any(start <= line <= end and rule in ids for start, end, ids in self.ranges)


def suppressions(build: Build) -> Suppressions:
    dockerfile = build.dockerfile
    inside_heredoc = {n for i in dockerfile.instructions if i.heredocs for n in range(i.line + 1, i.end_line + 1)}
    starts = sorted(i.line for i in dockerfile.instructions)
    everywhere: set[str] = set()
    ranges: list[tuple[int, int, frozenset[str]]] = []
    for number, text in enumerate(dockerfile.lines, start=1):
        match = _PRAGMA.match(text)
        if not match or number in inside_heredoc:
            continue
        ids = frozenset(part.strip().upper() for part in match.group(2).split(",") if part.strip())
        following = next((s for s in starts if s > number), None)
        if match.group(1) == "global":
            everywhere |= ids
        elif following is None:
            continue
        elif match.group(1) == "stage":
            ranges.append((*_stage_range(build, following), ids))
        else:
            instruction = next(i for i in dockerfile.instructions if i.line == following)
            ranges.append((instruction.line, instruction.end_line, ids))
    return Suppressions(frozenset(everywhere), tuple(ranges))


def _stage_range(build: Build, line: int) -> tuple[int, int]:
    froms = [s.from_instruction.line for s in build.stages]
    start = max((f for f in froms if f <= line), default=1)
    later = [f for f in froms if f > start]
    return start, (later[0] - 1 if later else len(build.dockerfile.lines) + 1)
