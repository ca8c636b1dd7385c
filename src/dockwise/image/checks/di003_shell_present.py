"""A shell is present in the final filesystem.

A shell is the first tool of an attacker who gets code execution. Info on a standard image; an error on an image
that claims to be distroless (its reference, a tag or a label says so), where it breaks the promise.

Anti-pattern::

    FROM scratch
    LABEL org.opencontainers.image.description="distroless python"
    COPY sh /bin/sh
    COPY python3 /usr/bin/python3

Context::

    sh
    python3

Best practice::

    FROM scratch
    LABEL org.opencontainers.image.description="distroless python"
    COPY python3 /usr/bin/python3

Context::

    python3
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.image.checks import present, sample
from dockwise.image.facts import ImageFacts

ID = "DI003"
NAME = "shell-present"
SEVERITY = Severity.INFO
SCOPE = Scope.IMAGE
FIX = "use a distroless base; keep only the interpreter the app needs"
REFS = {"cis": "4.3"}


def check(facts: ImageFacts) -> Iterator[Hit]:
    if facts.shells:
        yield present(facts, "shell", sample(facts.shells))
