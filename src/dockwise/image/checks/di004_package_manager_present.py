"""A package manager (apt, dpkg, apk, dnf, pip) is present in the final filesystem.

It lets anyone with code execution install tools, and it is dead weight at run time (CIS Docker 4.3). Info on a
standard image; an error on an image that claims to be distroless.

Anti-pattern::

    FROM scratch
    COPY apt-get /usr/bin/apt-get
    COPY python3 /usr/bin/python3

Context::

    apt-get
    python3

Best practice::

    FROM scratch
    COPY python3 /usr/bin/python3

Context::

    python3
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.image.checks import present
from dockwise.image.facts import ImageFacts

ID = "DI004"
NAME = "package-manager-present"
SEVERITY = Severity.INFO
SCOPE = Scope.IMAGE
FIX = "install dependencies in a build stage and copy only their result"
REFS = {"cis": "4.3"}


def check(facts: ImageFacts) -> Iterator[Hit]:
    if facts.package_managers:
        yield present(facts, "package manager", ", ".join(facts.package_managers))
