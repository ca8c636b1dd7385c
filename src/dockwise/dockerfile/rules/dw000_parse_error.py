"""The Dockerfile does not parse the way BuildKit parses it, or BuildKit rejects an instruction.

A syntax error fails `docker build`, and so does what BuildKit's instruction parser refuses before anything runs: a
`COPY`/`ADD` without a destination, a flag the instruction does not take (`RUN --foo`), an argument count
(`WORKDIR a b`), a `SHELL` not in JSON form, `ONBUILD ONBUILD`/`FROM`/`MAINTAINER`, an instruction before the first
`FROM`, a bad stage name, or an image reference that is not one (`FROM Python:3.9`: repository names are lower
case). dockwise reports each with its line and keeps linting the rest of the file (hadolint stops at the first
parse error). Scope: the file as written.

Anti-pattern::

    FROM Python:3.13-slim
    RUNN pip install flask
    COPY requirements.txt
    SHELL /bin/bash -c

Best practice::

    FROM python:3.13-slim
    RUN pip install --no-cache-dir flask==3.1.0
    COPY requirements.txt ./
    SHELL ["/bin/bash", "-o", "pipefail", "-c"]
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject
from dockwise.dockerfile.validate import problems

ID = "DW000"
NAME = "parse-error"
SEVERITY = Severity.ERROR
SCOPE = Scope.FILE
FIX = "Fix the syntax so that `docker build` can parse the file."
REFS = {"hadolint": "DL1000,DL3043,DL3061"}


def check(subject: Subject) -> Iterator[Hit]:
    for error in subject.build.dockerfile.errors:
        yield Hit(error.line, error.message)
    for problem in problems(subject.build):
        yield Hit(problem.line, problem.message)
    if not subject.build.stages and not subject.build.dockerfile.errors:
        yield Hit(1, "no FROM instruction: nothing to build")
