"""What the stages say, in order: each decision with its evidence, and the warnings, to-dos and notes init prints."""

from __future__ import annotations

from dataclasses import dataclass, field

from dockwise.pyapp.evidence import Evidence


@dataclass(frozen=True)
class Decision:
    """One line of the summary: what was decided, and why; `source` is the place in the app it rests on (None when
    a flag or a default decided)."""

    topic: str
    value: str
    evidence: str
    source: Evidence | None = None


@dataclass
class Log:
    """What the stages of `detect` say, appended in pipeline order."""

    decisions: list[Decision] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
