"""Requirements are installed after the code is copied, so every code edit reinstalls every dependency.

Docker reuses a layer only while everything before it is unchanged. Copy the requirements (or lock) file alone,
install, then copy the code.

Anti-pattern::

    FROM python:3.13-slim
    WORKDIR /app
    COPY . .
    RUN pip install --no-cache-dir -r requirements.txt

Best practice::

    FROM python:3.13-slim
    WORKDIR /app
    COPY requirements.txt ./
    RUN pip install --no-cache-dir -r requirements.txt
    COPY app.py ./
"""

import posixpath
import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import option_value, pip_installs
from dockwise.dockerfile.rules import Subject, stages

ID = "DW103"
NAME = "requirements-order"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "COPY requirements.txt alone, RUN pip install -r requirements.txt, and only then COPY the code."
REFS: dict[str, str] = {}

DEPENDENCY_FILES = re.compile(
    r"(requirements[^/]*|constraints[^/]*\.txt|pyproject\.toml|poetry\.lock|uv\.lock|Pipfile(\.lock)?|setup\.(py|cfg)|\.whl)$"
)


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    for stage in stages(subject, SCOPE):
        code_copy = None
        for step in stage.steps:
            instruction = step.instruction
            if instruction.keyword in ("COPY", "ADD") and instruction.flag("from") is None and not instruction.heredocs:
                sources = [build.expand(s, step.variables) for s in instruction.args[:-1]]
                if code_copy is None and any(
                    not DEPENDENCY_FILES.search(posixpath.basename(s.rstrip("/")) or s) for s in sources
                ):
                    code_copy = instruction
            for command in pip_installs(step):
                if code_copy is not None and option_value(command.argv, "-r", "--requirement"):
                    yield Hit(
                        code_copy.line, f"code copied here before the requirements install on line {instruction.line}"
                    )
                    return
