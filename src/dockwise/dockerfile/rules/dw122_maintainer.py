"""`MAINTAINER` is deprecated.

Use the standard OCI label instead, which tools actually read.

Anti-pattern::

    FROM python:3.13-slim
    MAINTAINER dev@example.com

Best practice::

    FROM python:3.13-slim
    LABEL org.opencontainers.image.authors="dev@example.com"
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject

ID = "DW122"
NAME = "maintainer-deprecated"
SEVERITY = Severity.INFO
SCOPE = Scope.FILE
FIX = 'Replace it with LABEL org.opencontainers.image.authors="..."'
REFS = {"hadolint": "DL4000", "buildkit": "MaintainerDeprecated"}


def check(subject: Subject) -> Iterator[Hit]:
    for instruction in subject.build.dockerfile.instructions:
        if instruction.keyword == "MAINTAINER":
            yield Hit(instruction.line, "MAINTAINER is deprecated")
