"""The Dockerfile does not parse the way BuildKit parses it.

A syntax error fails `docker build`. dockwise reports it with its line and keeps linting the rest of the file
(hadolint stops at the first parse error).

Anti-pattern::

    FROM python:3.13-slim
    RUNN pip install flask

Best practice::

    FROM python:3.13-slim
    RUN pip install --no-cache-dir flask==3.1.0
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject

ID = "DW000"
NAME = "parse-error"
SEVERITY = Severity.ERROR
SCOPE = Scope.FILE
FIX = "Fix the syntax so that `docker build` can parse the file."
REFS = {"hadolint": "DL1000"}


def check(subject: Subject) -> Iterator[Hit]:
    for error in subject.build.dockerfile.errors:
        yield Hit(error.line, error.message)
    if not subject.build.stages and not subject.build.dockerfile.errors:
        yield Hit(1, "no FROM instruction: nothing to build")
