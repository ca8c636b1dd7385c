"""`sudo` is used in `RUN`.

Build steps already run as the current `USER`; `sudo` adds a setuid binary to the image and unpredictable TTY and
signal behaviour. Switch `USER` around the step instead.

Anti-pattern::

    FROM debian:trixie-slim
    RUN sudo apt-get update

Best practice::

    FROM debian:trixie-slim
    USER root
    RUN apt-get update
    USER 10001
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, steps
from dockwise.dockerfile.shell import commands

ID = "DW108"
NAME = "sudo"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "Drop sudo: use USER root for the step and switch back to an unprivileged USER afterwards."
REFS = {"hadolint": "DL3004", "dockle": "DKL-DI-0001"}


def check(subject: Subject) -> Iterator[Hit]:
    for step in steps(subject, SCOPE):
        run = step.run
        if run is not None and any(c.words and c.words[0].rsplit("/", 1)[-1] == "sudo" for c in commands(run)):
            yield Hit(step.instruction.line, "sudo in RUN")
