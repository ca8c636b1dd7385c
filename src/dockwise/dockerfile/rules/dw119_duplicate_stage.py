"""Two stages have the same name, or a stage is named like a reserved word.

`COPY --from=build` then means whichever BuildKit picks; BuildKit rejects duplicates, and `scratch`/`context` are
reserved.

Anti-pattern::

    FROM python:3.13-slim AS build
    FROM python:3.13-slim AS build

Best practice::

    FROM python:3.13-slim AS build
    FROM python:3.13-slim AS runtime
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, stages

ID = "DW119"
NAME = "stage-name"
SEVERITY = Severity.ERROR
SCOPE = Scope.EVERY_STAGE
FIX = "Give every stage a unique name that is not `scratch` or `context`."
REFS = {"hadolint": "DL3024,DL3063", "buildkit": "DuplicateStageName,ReservedStageName"}


def check(subject: Subject) -> Iterator[Hit]:
    seen: dict[str, int] = {}
    for stage in stages(subject, SCOPE):
        if stage.name is None:
            continue
        line = stage.from_instruction.line
        if stage.name in ("scratch", "context"):
            yield Hit(line, f"stage name {stage.name!r} is reserved")
        if stage.name in seen:
            yield Hit(line, f"stage name {stage.name!r} already used on line {seen[stage.name]}")
        else:
            seen[stage.name] = line
