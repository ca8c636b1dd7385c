"""A `COPY`/`ADD` names a path that `.dockerignore` excludes, so the build fails with "not found".

The file is on disk, so the mistake is invisible until `docker build` runs.

Anti-pattern::

    FROM python:3.13-slim
    WORKDIR /app
    COPY config/settings.toml ./

Context::

    .dockerignore: config
    config/settings.toml

Best practice::

    FROM python:3.13-slim
    WORKDIR /app
    COPY config/settings.toml ./

Context::

    .dockerignore: config\\n!config/settings.toml
    config/settings.toml
"""

import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, stages

ID = "DW117"
NAME = "copy-ignored"
SEVERITY = Severity.ERROR
SCOPE = Scope.BUILD_CONTEXT
FIX = "Remove the path from .dockerignore (or add a `!path` exception), or stop copying it."
REFS = {"buildkit": "CopyIgnoredFile"}


def check(subject: Subject) -> Iterator[Hit]:
    context = subject.context
    if context is None or not context.patterns:
        return
    build = subject.build
    for stage in stages(subject, SCOPE):
        for step in stage.steps:
            instruction = step.instruction
            if (
                instruction.keyword not in ("COPY", "ADD")
                or instruction.flag("from") is not None
                or instruction.heredocs
            ):
                continue
            for raw in instruction.args[:-1]:
                source = build.expand(raw, step.variables)
                if "$" in source or re.match(r"^[a-z]+://", source) or source in (".", "./", "/"):
                    continue
                if not context.sends(source) and context.exists(source):
                    yield Hit(instruction.line, f"{source} exists but .dockerignore excludes it: the build fails")
