"""There is no `.dockerignore`, or it lets through what the context holds among `.git`, `.venv`, `__pycache__`,
`*.pyc` and `*.env`.

Docker reads `.dockerignore` with its own rules: patterns are anchored at the context root, so `*.pyc` excludes only
top-level files and `**/*.pyc` is needed for every level. dockwise walks the real context to see what gets through.

Anti-pattern::

    FROM python:3.13-slim
    WORKDIR /app
    COPY src/ ./

Context::

    .dockerignore: *.pyc
    src/app.py
    src/__pycache__/app.cpython-313.pyc
    .venv/bin/python

Best practice::

    FROM python:3.13-slim
    WORKDIR /app
    COPY src/ ./

Context::

    .dockerignore: .git\\n.venv/\\n**/__pycache__/\\n**/*.pyc\\n**/*.env
    src/app.py
    src/__pycache__/app.cpython-313.pyc
    .venv/bin/python
"""

import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject

ID = "DW004"
NAME = "dockerignore"
SEVERITY = Severity.WARNING
SCOPE = Scope.BUILD_CONTEXT
FIX = "Add a .dockerignore with .git, .venv/, **/__pycache__/, **/*.pyc and **/*.env (patterns are root-anchored)."
REFS: dict[str, str] = {}

SEED = (
    (".git", re.compile(r"(^|/)\.git(/|$)")),
    (".venv", re.compile(r"(^|/)\.venv(/|$)")),
    ("__pycache__", re.compile(r"(^|/)__pycache__(/|$)")),
    ("*.pyc", re.compile(r"\.pyc$")),
    ("*.env", re.compile(r"(^|/)[^/]*\.env$")),
)


def check(subject: Subject) -> Iterator[Hit]:
    context = subject.context
    if context is None:
        return
    copies = [
        s.instruction
        for stage in subject.build.stages
        for s in stage.steps
        if s.instruction.keyword in ("COPY", "ADD") and s.instruction.flag("from") is None and not s.instruction.heredocs
    ]
    if not copies:
        return
    line = copies[0].line
    if context.ignore_file is None:
        yield Hit(line, f"no .dockerignore in {context.root}: every file there is sent to the build")
        return
    if context.pattern_error:
        yield Hit(line, f".dockerignore is not used: {context.pattern_error}")
    for label, pattern in SEED:
        leaked = [f for f in context.files if pattern.search(f)]
        if leaked:
            yield Hit(line, f".dockerignore does not exclude {label} (e.g. {leaked[0]})")
