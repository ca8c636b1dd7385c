"""Files are copied or commands run relative to an unset or relative working directory, or with `cd`.

Without `WORKDIR` a relative `COPY` destination lands in `/` (or wherever the base image left off), a relative
`WORKDIR` depends on the one before it, and `cd` in `RUN` lasts one instruction only.

Anti-pattern::

    FROM python:3.13-slim
    COPY app.py .
    RUN cd /srv && python -m compileall .
    WORKDIR app

Best practice::

    FROM python:3.13-slim
    WORKDIR /app
    COPY app.py .
    RUN python -m compileall .
"""

import posixpath
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, stages
from dockwise.dockerfile.shell import commands

ID = "DW002"
NAME = "workdir"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "Set an absolute WORKDIR before relative COPY/RUN, and use WORKDIR instead of `cd`."
REFS = {"hadolint": "DL3000,DL3003,DL3045", "buildkit": "WorkdirRelativePath"}


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    for stage in stages(subject, SCOPE):
        copied_relative: set[str] = set()
        for step in stage.steps:
            instruction = step.instruction
            keyword = instruction.keyword
            if keyword == "WORKDIR" and instruction.args:
                path = build.expand(instruction.args[0], step.variables)
                if not path.startswith(("/", "$")) and not (len(path) > 1 and path[1] == ":"):
                    yield Hit(instruction.line, f"relative WORKDIR {path!r} depends on the WORKDIR before it")
            elif keyword in ("COPY", "ADD") and len(instruction.args) >= 2 and step.workdir is None:
                dest = build.expand(instruction.args[-1], step.variables)
                if not dest.startswith(("/", "$")):
                    yield Hit(instruction.line, f"{keyword} to relative {dest!r} with no WORKDIR set")
                    copied_relative.update(posixpath.basename(s.rstrip("/")) for s in instruction.args[:-1])
            elif step.run is not None:
                for command in commands(step.run):
                    if command.program == "cd":
                        yield Hit(instruction.line, "`cd` in RUN only lasts for this instruction; use WORKDIR")
                        break
                else:
                    words = {w for c in commands(step.run) for w in c.argv[1:]}
                    used = sorted(words & copied_relative - {"", "."})
                    if step.workdir is None and used and not step.deferred:
                        yield Hit(instruction.line, f"RUN uses {used[0]!r}, copied relative to an unset WORKDIR")
