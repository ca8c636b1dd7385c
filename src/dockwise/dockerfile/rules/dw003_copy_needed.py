"""The final image gets the whole build context (`COPY . .`), or `ADD` copies plain local files.

`COPY . .` sends everything the `.dockerignore` lets through — tests, docs, the Dockerfile itself, and any secret
that slipped past — and busts the layer cache on every edit. With a known context it is flagged only when such
files would really be sent. `ADD` with local files hides its archive-extracting
magic; use `COPY`. A builder stage may copy everything: only what reaches the final image counts.

Anti-pattern::

    FROM python:3.13-slim
    WORKDIR /app
    COPY . .
    ADD app.py /app/

Context::

    app.py
    tests/test_app.py
    README.md

Best practice::

    FROM python:3.13-slim
    WORKDIR /app
    COPY app.py ./

Context::

    app.py
    tests/test_app.py
    README.md
"""

import posixpath
import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, context_copies

ID = "DW003"
NAME = "copy-only-needed"
SEVERITY = Severity.WARNING
SCOPE = Scope.FINAL_IMAGE
FIX = "COPY only the files the app needs (e.g. `COPY requirements.txt app.py ./`), and COPY instead of ADD."
REFS = {"hadolint": "DL3020", "cis": "4.9", "dockle": "CIS-DI-0009"}

ROOTS = frozenset({".", "./", "*", "./*", "/"})
ARCHIVE = re.compile(r"\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$", re.IGNORECASE)
UNNEEDED = re.compile(
    r"(^|/)(Dockerfile[^/]*|[^/]*\.dockerignore|docker-compose[^/]*|compose\.ya?ml|README[^/]*|[^/]*\.md|"
    r"tests?/|docs?/|\.github/|\.gitlab-ci\.yml|Makefile|\.pre-commit-config\.yaml|\.git/)"
)


def check(subject: Subject) -> Iterator[Hit]:
    messages: dict[str, str | None] = {}  # per keyword: the same for every whole-context copy
    for copy in context_copies(subject):
        instruction, sources = copy.instruction, copy.sources
        if any(source in ROOTS for source in sources):
            if instruction.keyword not in messages:
                messages[instruction.keyword] = _root_message(subject, instruction.keyword)
            message = messages[instruction.keyword]
            if message:
                yield Hit(instruction.line, message)
        if instruction.keyword == "ADD":
            local = [s for s in sources if not re.match(r"^[a-z]+://|^git@", s) and not ARCHIVE.search(s)]
            if local:
                yield Hit(instruction.line, f"ADD of local {posixpath.basename(local[0].rstrip('/')) or local[0]!r}; COPY does the same without surprises")


def _root_message(subject: Subject, keyword: str) -> str | None:
    """Without a known context any whole-context copy is flagged; with one, only if it sends files the app does
    not need (the Dockerfile, docs, tests, CI files, compose files, .git)."""
    if subject.context is None:
        return f"{keyword} of the whole build context into the final image"
    extra = [f for f in subject.context.files if UNNEEDED.search(f)]
    if not extra:
        return None
    sample = ", ".join(extra[:3]) + (" ..." if len(extra) > 3 else "")
    return f"{keyword} of the whole context sends {len(subject.context.files)} files, including {sample}"
