"""A stage has more than one `CMD`, `ENTRYPOINT` or `HEALTHCHECK`.

Only the last one counts; the others mislead the reader.

Anti-pattern::

    FROM python:3.13-slim
    CMD ["python", "-m", "http.server"]
    CMD ["python", "-m", "http.server", "9000"]

Best practice::

    FROM python:3.13-slim
    CMD ["python", "-m", "http.server", "9000"]
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, stages

ID = "DW111"
NAME = "multiple-cmd"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "Keep one CMD, one ENTRYPOINT and one HEALTHCHECK per stage."
REFS = {"hadolint": "DL4003,DL4004,DL3012", "buildkit": "MultipleInstructionsDisallowed"}


def check(subject: Subject) -> Iterator[Hit]:
    for stage in stages(subject, SCOPE):
        seen: dict[str, int] = {}
        for step in stage.steps:
            keyword = step.instruction.keyword
            if keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
                if keyword in seen:
                    yield Hit(
                        step.instruction.line,
                        f"{keyword} again (first on line {seen[keyword]}); only the last one counts",
                    )
                else:
                    seen[keyword] = step.instruction.line
