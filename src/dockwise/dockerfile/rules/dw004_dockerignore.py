"""A builder stage takes a local `.venv` or bytecode from the context: `.dockerignore` does not exclude them.

A builder stage's `COPY`/`ADD` takes a local `.venv`, `__pycache__` or `*.pyc` from the context, because there is
no `.dockerignore` or it does not exclude them.

Docker reads `.dockerignore` with its own rules: patterns are anchored at the context root, so `*.pyc` excludes only
top-level files and `**/*.pyc` is needed for every level. dockwise walks the real context and checks what each
`COPY`/`ADD` of a directory or glob really takes: a context that holds none of these, or holds them but copies only
named files, needs no `.dockerignore` (BuildKit sends only what the instructions use). A host `.venv` (another OS,
another Python) shadows the one the builder makes, and stale bytecode rides along. `.env` files are left alone in a
builder: front-end builds (Vite, Next.js) read them at build time, and what reaches the final image is DW115's.
Scope: the build
context as builder stages take it; what reaches the final image is reported by DW115 (secrets, `.git`) and DW116
(junk), once. `.git` in a builder is left alone: builds read it for version information.

Anti-pattern::

    FROM python:3.13-slim AS build
    WORKDIR /app
    COPY src/ ./
    RUN python -m venv /venv
    FROM python:3.13-slim
    COPY --from=build /venv /venv

Context::

    .dockerignore: *.pyc
    src/app.py
    src/__pycache__/app.cpython-313.pyc
    .venv/bin/python

Best practice::

    FROM python:3.13-slim AS build
    WORKDIR /app
    COPY src/ ./
    RUN python -m venv /venv
    FROM python:3.13-slim
    COPY --from=build /venv /venv

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
from dockwise.dockerfile.rules import Subject, context_copies

ID = "DW004"
NAME = "dockerignore"
SEVERITY = Severity.WARNING
SCOPE = Scope.BUILD_CONTEXT
FIX = "Add a .dockerignore with .git, .venv/, **/__pycache__/, **/*.pyc and **/*.env (patterns are root-anchored)."
REFS: dict[str, str] = {}

SEED = (
    (".venv", re.compile(r"(^|/)\.venv(/|$)")),
    ("__pycache__", re.compile(r"(^|/)__pycache__(/|$)")),
    ("*.pyc", re.compile(r"\.pyc$")),
)


def check(subject: Subject) -> Iterator[Hit]:
    context = subject.context
    if context is None:
        return
    if context.pattern_error:
        first = next(context_copies(subject, Scope.EVERY_STAGE), None)
        yield Hit(first.instruction.line if first else 1, f".dockerignore is not used: {context.pattern_error}")
    reported: set[str] = set()
    final = {c.instruction.line for c in context_copies(subject)}
    for copy in context_copies(subject, Scope.EVERY_STAGE):
        if copy.instruction.line in final:
            continue
        sent = copy.files(context)
        for label, pattern in SEED:
            if label in reported:
                continue
            leaked = next((f for f in sent if pattern.search(f)), None)
            if leaked is None:
                continue
            reported.add(label)
            if context.ignore_file is None:
                yield Hit(
                    copy.instruction.line,
                    f"no .dockerignore, so this {copy.instruction.keyword} sends {label} (e.g. {leaked})",
                )
            else:
                yield Hit(
                    copy.instruction.line,
                    f".dockerignore does not exclude {label}, and this {copy.instruction.keyword} sends it (e.g. {leaked})",
                )
