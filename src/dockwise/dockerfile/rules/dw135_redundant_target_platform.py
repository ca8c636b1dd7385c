"""`FROM --platform=$TARGETPLATFORM` says what BuildKit does anyway.

A stage is built for the target platform unless told otherwise, so the flag only adds noise — and reads as if it
meant `$BUILDPLATFORM`, the flag that matters for cross-compiling stages (BuildKit's RedundantTargetPlatform
check). Scope: every stage.

Anti-pattern::

    FROM --platform=$TARGETPLATFORM alpine:3.23

Best practice::

    FROM --platform=$BUILDPLATFORM golang:1.26-alpine AS build
    FROM alpine:3.23
"""

import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, stages

ID = "DW135"
NAME = "redundant-target-platform"
SEVERITY = Severity.INFO
SCOPE = Scope.EVERY_STAGE
FIX = "Drop --platform=$TARGETPLATFORM (use --platform=$BUILDPLATFORM where a stage must run on the build machine)."
REFS = {"hadolint": "DL3065", "buildkit": "RedundantTargetPlatform"}

TARGET = re.compile(r"^\$\{?TARGETPLATFORM\}?$")


def check(subject: Subject) -> Iterator[Hit]:
    for stage in stages(subject, SCOPE):
        platform = stage.from_instruction.flag("platform")
        if platform is not None and TARGET.match(platform):
            yield Hit(stage.from_instruction.line, f"--platform={platform} is the default for every stage")
