"""An image is pulled without a tag, or by the moving `latest` tag.

No tag means `latest`, and `latest` changes under you between two builds: the same commit builds a different
image, and a breaking release of the base breaks the build. This holds for every stage that pulls an image,
builders included (they make what the final image copies). Scope: every stage. A base written as a variable
(`FROM $BASE_IMAGE`) is not flagged: it is a parameter its caller sets (image chains built in one CI run pass the
tag they just built; documentation recipes are meant to be pointed at an image).

Anti-pattern::

    FROM golang AS build
    RUN go version
    FROM alpine:latest
    COPY --from=build /usr/local/go/VERSION /

Best practice::

    FROM golang:1.26-alpine AS build
    RUN go version
    FROM alpine:3.23
    COPY --from=build /usr/local/go/VERSION /
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import ImageRef
from dockwise.dockerfile.rules import Subject, stages

ID = "DW125"
NAME = "base-tag"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "Name a release tag: FROM image:1.2 (or pin a digest)."
REFS = {"hadolint": "DL3006,DL3007", "dockle": "DKL-DI-0006"}


def check(subject: Subject) -> Iterator[Hit]:
    for stage in stages(subject, SCOPE):
        written = stage.from_instruction.args[0] if stage.from_instruction.args else ""
        if stage.parent is not None or not stage.resolved or stage.is_scratch or not stage.base or "$" in written:
            continue
        ref = ImageRef.parse(stage.base)
        line = stage.from_instruction.line
        if ref.tag is None and ref.digest is None:
            yield Hit(line, f"base image {stage.base!r} has no tag, so it means `latest`")
        elif ref.tag == "latest" and ref.digest is None:
            yield Hit(line, f"base image {stage.base!r} uses the moving `latest` tag")
