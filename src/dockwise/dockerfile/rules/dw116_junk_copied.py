"""A `COPY`/`ADD` puts build junk from the context into the final image.

A local `.venv` (built for another OS and Python), `__pycache__`/`*.pyc`, `node_modules`, `.pytest_cache`,
`.mypy_cache` and `.tox` bloat the layer and can shadow what the image installs itself.

Anti-pattern::

    FROM python:3.13-slim
    WORKDIR /app
    COPY . .

Context::

    .dockerignore: .git
    app.py
    .venv/bin/python
    __pycache__/app.cpython-313.pyc

Best practice::

    FROM python:3.13-slim
    WORKDIR /app
    COPY app.py ./

Context::

    .dockerignore: .git
    app.py
    .venv/bin/python
    __pycache__/app.cpython-313.pyc
"""

import re
from collections.abc import Iterator

from dockwise.dockerfile.rules import Hit, Subject, context_copies
from dockwise.core.findings import Severity

ID = "DW116"
NAME = "junk-copied"
SEVERITY = Severity.WARNING
FIX = "Exclude it in .dockerignore (.venv/, **/__pycache__/, **/*.pyc, node_modules/) or copy only what is needed."
REFS = {"dockle": "DKL-LI-0003"}

JUNK = re.compile(r"(^|/)(\.venv|venv|__pycache__|node_modules|\.pytest_cache|\.mypy_cache|\.ruff_cache|\.tox|\.idea|\.vscode)/|\.py[co]$|(^|/)\.DS_Store$")


def check(subject: Subject) -> Iterator[Hit]:
    if subject.context is None:
        return
    for copy in context_copies(subject):
        junk = sorted({m.group(0).strip("/") for f in copy.files(subject.context) for m in [JUNK.search(f)] if m})
        if junk:
            yield Hit(copy.instruction.line, f"copies build junk into the image: {', '.join(junk[:4])}")
