"""A `COPY`/`ADD` puts build junk from the context into the final image.

A local `.venv` (built for another OS and Python), `__pycache__`/`*.pyc`, `node_modules`, `.pytest_cache`,
`.mypy_cache` and `.tox` bloat the layer and can shadow what the image installs itself. Build metadata (the
Dockerfile, `.gitignore`, compose files) is named only beside such junk: a few bytes of it alone are not worth a
finding. Scope: the build context as the final image takes it.

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

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.knowledge import METADATA_FILES, junk_label, junk_part
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, context_copies

ID = "DW116"
NAME = "junk-copied"
SEVERITY = Severity.WARNING
SCOPE = Scope.BUILD_CONTEXT
FIX = "Exclude it in .dockerignore (.venv/, **/__pycache__/, **/*.pyc, node_modules/) or copy only what is needed."
REFS = {"dockle": "DKL-LI-0003"}


def check(subject: Subject) -> Iterator[Hit]:
    if subject.context is None:
        return
    for copy in context_copies(subject):
        parts = (junk_part(f) for f in copy.files(subject.context))
        junk = sorted({junk_label(p) for p in parts if p is not None} - {".git"})  # .git is a secret: DW115
        if set(junk) - METADATA_FILES:
            yield Hit(copy.instruction.line, f"copies build junk into the image: {', '.join(junk[:4])}")
