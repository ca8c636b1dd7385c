"""`COPY --from` copies a whole operating system over `/`.

`COPY --from=other / /` lays every file of another distribution (its libc, package database, /etc) over this
image's own: the result is neither image, and its package database lies. Copying everything is fine, and usual,
from images made to be copied whole — scratch-based stages of this file and helper images such as tonistiigi/xx or
Docker's dev-environment helpers — so only a source known to be a full OS is flagged: a stage of this file built
on a distribution or language image, or such an image named directly. Scope: every stage.

Anti-pattern::

    FROM debian:trixie-slim AS tools
    RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
    FROM alpine:3.23
    COPY --from=tools / /

Best practice::

    FROM scratch AS tools
    COPY bin/ /usr/local/bin/
    FROM alpine:3.23
    COPY --from=tools / /
    COPY --from=tonistiigi/xx:1.6.1 / /
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import is_generic_base
from dockwise.dockerfile.rules import Subject, stages

ID = "DW129"
NAME = "copy-whole-filesystem"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "Copy only the directories you need (COPY --from=tools /usr/local/bin/tool /usr/local/bin/)."
REFS = {"hadolint": "DL3067"}


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    for stage in stages(subject, SCOPE):
        for step in stage.steps:
            instruction = step.instruction
            source = instruction.flag("from")
            if instruction.keyword != "COPY" or not source or len(instruction.args) != 2:
                continue
            if (
                instruction.args[0].rstrip("/") not in ("", ".")
                or build.expand(instruction.args[1], step.variables) != "/"
            ):
                continue
            value = build.expand(source, step.variables).lower()
            named = next((s for s in build.stages if s.name == value or str(s.index) == value), None)
            base = build.external_base(named) if named is not None else value
            if is_generic_base(base):
                yield Hit(instruction.line, f"COPY --from={value} / / lays the whole {base} filesystem over this image")
