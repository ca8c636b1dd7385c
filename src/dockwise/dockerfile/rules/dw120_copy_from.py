"""`COPY --from` names its own stage, or a stage that is defined later.

A stage cannot copy from itself; a name that is no earlier stage is pulled as an image, which is rarely meant.

Anti-pattern::

    FROM python:3.13-slim AS build
    COPY --from=build /app /app
    COPY --from=runtime /app /app
    FROM python:3.13-slim AS runtime

Best practice::

    FROM python:3.13-slim AS build
    RUN python -m venv /venv
    FROM python:3.13-slim AS runtime
    COPY --from=build /venv /venv
"""

import bisect
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, stages

ID = "DW120"
NAME = "copy-from"
SEVERITY = Severity.ERROR
SCOPE = Scope.EVERY_STAGE
FIX = "Point --from at an earlier stage (by name) or at a full image reference."
REFS = {"hadolint": "DL3022,DL3023"}


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    by_name: dict[str, list[int]] = {}  # the indexes of the stages of each name, in order
    for named in build.stages:
        if named.name:
            by_name.setdefault(named.name, []).append(named.index)
    for stage in stages(subject, SCOPE):
        for step in stage.steps:
            source = step.instruction.flag("from")
            if step.instruction.keyword not in ("COPY", "ADD") or not source:
                continue
            source = build.expand(source, step.variables).lower()
            if source == stage.name or source == str(stage.index):
                yield Hit(step.instruction.line, f"COPY --from={source} copies from its own stage")
                continue
            indexes = by_name.get(source, [])
            at = bisect.bisect_right(indexes, stage.index)
            if at < len(indexes):
                later = build.stages[indexes[at]]
                yield Hit(
                    step.instruction.line,
                    f"COPY --from={source} names a stage defined later (line {later.from_instruction.line})",
                )
