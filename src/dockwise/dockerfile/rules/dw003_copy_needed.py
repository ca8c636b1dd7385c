"""The final image gets the whole build context (`COPY . .`) and with it the test suite or the documentation.

`COPY . .` sends everything the `.dockerignore` lets through — the test suite, the documentation — and busts the
layer cache on every edit. With a known context it is flagged only when there is no `.dockerignore` and a top-level
`tests/` or `docs/` would really be sent: with a `.dockerignore` the maintainer has chosen what the context holds
(on the real-world corpus, `docs/` was a Django app and `tests/` ran inside the image as often as not); a directory
whose only extras are the Dockerfile, a README or CI files is fine, and `.git` is DW115. Scope:
the final image, when it is meant to run (a builder stage may copy everything, and an image with no command of its
own on a generic base is a build or dev environment whose workspace the context is). `ADD` of local
files is DW128.

Anti-pattern::

    FROM python:3.13-slim
    WORKDIR /app
    COPY . .
    CMD ["python", "app.py"]

Context::

    app.py
    tests/test_app.py
    README.md

Best practice::

    FROM python:3.13-slim
    WORKDIR /app
    COPY app.py ./
    CMD ["python", "app.py"]

Context::

    app.py
    tests/test_app.py
    README.md
"""

import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import runtime_target
from dockwise.dockerfile.rules import Subject, context_copies

ID = "DW003"
NAME = "copy-only-needed"
SEVERITY = Severity.WARNING
SCOPE = Scope.FINAL_IMAGE
FIX = (
    "COPY only the files the app needs (e.g. `COPY requirements.txt app.py ./`), or exclude the rest in .dockerignore."
)
REFS = {"cis": "4.3"}

ROOTS = frozenset({".", "./", "*", "./*", "/"})
# What an app never needs at run time: the project's test suite and documentation at the context root. A Dockerfile,
# README or CI file alone is not worth a finding, tests inside a package are how Django apps ship, and `.git` is a
# secret (DW115).
UNNEEDED = re.compile(r"^(tests?/|docs?/)")


def check(subject: Subject) -> Iterator[Hit]:
    messages: dict[str, str | None] = {}  # per keyword: the same for every whole-context copy
    if runtime_target(subject.build) is None:
        return  # a build or dev environment (no command of its own): the context is its workspace
    for copy in context_copies(subject):
        instruction, sources = copy.instruction, copy.sources
        if any(source in ROOTS for source in sources):
            if instruction.keyword not in messages:
                messages[instruction.keyword] = _root_message(subject, instruction.keyword)
            message = messages[instruction.keyword]
            if message:
                yield Hit(instruction.line, message)


def _root_message(subject: Subject, keyword: str) -> str | None:
    """Without a known context any whole-context copy is flagged; with one, only if it sends what the app does not
    need (a top-level tests/ or docs/)."""
    if subject.context is None:
        return f"{keyword} of the whole build context into the final image"
    if subject.context.ignore_file is not None:
        return None  # a curated context: what passes the .dockerignore is the maintainer's choice
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
