"""`ADD` copies local files or directories, where `COPY` is meant.

`ADD` of a local path does what `COPY` does plus magic: a local tar archive is extracted, and a future source of the
same name could be a URL. `COPY` says what happens. This holds in every stage (a builder's `ADD . /src` is as
surprising as the final image's). Scope: every stage. Not flagged: `ADD` of a local archive (extracting it is the
point), of a URL or git repository, and heredoc sources.

Anti-pattern::

    FROM golang:1.26-alpine AS build
    ADD . /src
    FROM alpine:3.23
    COPY --from=build /src/app /app

Best practice::

    FROM golang:1.26-alpine AS build
    COPY . /src
    ADD vendor.tar.gz /src/vendor/
    FROM alpine:3.23
    COPY --from=build /src/app /app
"""

import posixpath
import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, stages

ID = "DW128"
NAME = "add-local"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "Use COPY for local files and directories; keep ADD for local archives to extract and checked downloads."
REFS = {"hadolint": "DL3020", "cis": "4.9", "dockle": "CIS-DI-0009"}

ARCHIVE = re.compile(r"\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tar\.lz4?|tzst)$", re.IGNORECASE)
REMOTE = re.compile(r"^([a-z][a-z0-9+.-]*://|git@|github\.com/)", re.IGNORECASE)


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    for stage in stages(subject, SCOPE):
        for step in stage.steps:
            instruction = step.instruction
            if instruction.keyword != "ADD" or instruction.heredocs or len(instruction.args) < 2:
                continue
            sources = [build.expand(s, step.variables) for s in instruction.args[:-1]]
            local = [s for s in sources if not REMOTE.match(s) and not ARCHIVE.search(s) and _local(s)]
            if local:
                shown = posixpath.basename(local[0].rstrip("/")) or local[0]
                yield Hit(instruction.line, f"ADD of local {shown!r}: COPY does the same without the archive magic")


def _local(source: str) -> bool:
    """A source that is a local path; one that starts with an unset variable is one only when the variable names a
    directory or path (`${BUILDDIR}/tool`), since `${URL}` may well be a download."""
    if not source.startswith("$"):
        return True
    name = re.match(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", source)
    return name is not None and name.group(1).upper().endswith(("DIR", "PATH"))
