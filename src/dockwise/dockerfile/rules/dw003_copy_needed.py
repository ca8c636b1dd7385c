"""The final image gets the whole build context (`COPY . .`) and with it tests, docs, CI files or `.git`.

`COPY . .` sends everything the `.dockerignore` lets through — test suites, documentation, CI configuration, the
repository's history — and busts the layer cache on every edit. With a known context it is flagged only when such
files would really be sent: a curated directory whose only extras are the Dockerfile or a README is fine. Scope:
the final image (a builder stage may copy everything; only what reaches the final image counts). `ADD` of local
files is DW128.

Anti-pattern::

    FROM python:3.13-slim
    WORKDIR /app
    COPY . .

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

import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, context_copies

ID = "DW003"
NAME = "copy-only-needed"
SEVERITY = Severity.WARNING
SCOPE = Scope.FINAL_IMAGE
FIX = "COPY only the files the app needs (e.g. `COPY requirements.txt app.py ./`), or exclude the rest in .dockerignore."
REFS = {"cis": "4.3"}

ROOTS = frozenset({".", "./", "*", "./*", "/"})
# What an app never needs at run time. The Dockerfile, a README or a Makefile alone are not worth a finding.
UNNEEDED = re.compile(r"(^|/)(tests?/|docs?/|\.github/|\.gitlab-ci\.yml|\.circleci/|\.pre-commit-config\.yaml|\.git/)")


def check(subject: Subject) -> Iterator[Hit]:
    for copy in context_copies(subject):
        instruction, sources = copy.instruction, copy.sources
        if any(source in ROOTS for source in sources):
            message = _root_message(subject, instruction.keyword)
            if message:
                yield Hit(instruction.line, message)


def _root_message(subject: Subject, keyword: str) -> str | None:
    """Without a known context any whole-context copy is flagged; with one, only if it sends what the app does not
    need (tests, docs, CI files, .git)."""
    if subject.context is None:
        return f"{keyword} of the whole build context into the final image"
    extra = [f for f in subject.context.files if UNNEEDED.search(f)]
    if not extra:
        return None
    tops = sorted({_top(UNNEEDED.search(f), f) for f in extra})
    sample = ", ".join(tops[:3]) + (" ..." if len(tops) > 3 else "")
    return f"{keyword} of the whole context puts {sample} into the image ({len(extra)} files the app does not need)"


def _top(match: re.Match[str] | None, path: str) -> str:
    """The unneeded part of `path` as a reader knows it: `tests/`, `.github/`, `.gitlab-ci.yml`."""
    assert match is not None
    return path[: match.end()]
