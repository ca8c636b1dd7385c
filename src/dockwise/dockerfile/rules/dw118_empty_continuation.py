"""A blank line inside a line continuation.

BuildKit accepts it with a warning today, and a future Dockerfile syntax will make it an error; it usually means a
`\\` was left at the end of a line.

Anti-pattern::

    FROM debian:trixie-slim
    RUN echo one \\

        && echo two

Best practice::

    FROM debian:trixie-slim
    RUN echo one \\
        && echo two
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject

ID = "DW118"
NAME = "empty-continuation"
SEVERITY = Severity.INFO
SCOPE = Scope.FILE
FIX = "Remove the blank line or the trailing backslash."
REFS = {"buildkit": "NoEmptyContinuation"}


def check(subject: Subject) -> Iterator[Hit]:
    for warning in subject.build.dockerfile.warnings:
        if "Empty continuation" in warning.message:
            yield Hit(warning.line, "blank line inside a line continuation")
