"""An `ENV` uses a variable that the same `ENV` line defines.

Every value of one `ENV` line is expanded with the variables from before that line: in `ENV APP=/app
PATH=$APP/bin:$PATH`, `$APP` is still unset, so `PATH` gets `/bin:...`. Split the line in two. A variable already
defined before the line (by `ARG`, an earlier `ENV`, or `--build-arg`) keeps its old value and is not flagged.
Scope: every stage.

Anti-pattern::

    FROM python:3.13-slim
    ENV VENV=/opt/venv PATH=$VENV/bin:$PATH

Best practice::

    FROM python:3.13-slim
    ENV VENV=/opt/venv
    ENV PATH=$VENV/bin:$PATH
"""

import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, stages

ID = "DW134"
NAME = "env-self-reference"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "Define the variable in an ENV line of its own before the one that uses it."
REFS = {"hadolint": "DL3044"}

VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def check(subject: Subject) -> Iterator[Hit]:
    for stage in stages(subject, SCOPE):
        for step in stage.steps:
            instruction = step.instruction
            if instruction.keyword != "ENV":
                continue
            args = instruction.args
            defined: list[str] = []
            for i in range(0, len(args) - 2, 3):
                used = {
                    name for name in VARIABLE.findall(args[i + 1]) if name in defined and name not in step.variables
                }
                if used:
                    yield Hit(
                        instruction.line,
                        f"ENV {args[i]} uses ${sorted(used)[0]}, which this same ENV line defines: it is still unset here",
                    )
                    break
                defined.append(args[i])
