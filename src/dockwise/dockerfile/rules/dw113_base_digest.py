"""A base image is not pinned by digest.

A tag is a moving pointer: `python:3.13-slim` is rebuilt every few weeks. `@sha256:...` makes the build
reproducible (update it deliberately, e.g. with Renovate or Dependabot). Off by default (`enable = ["DW113"]`
turns it on): it is a policy, and on the real-world corpus 4 of 22 sampled findings were ones a maintainer would
act on — official images track their base tags on purpose for automated rebuilds, tooling pins versions through
`ARG`s, samples are meant to float. Scope: every stage that pulls an image; `localhost/...` references (local
builds, podman's prefix) have no registry to pin against and are skipped.

Anti-pattern::

    FROM python:3.13-slim

Best practice::

    FROM python:3.13-slim@sha256:4c2cf9917bd1cbacc5e9b07320025bdb7cdf2df7b0ceaccb55e9dd7e30987419
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import ImageRef
from dockwise.dockerfile.reference import is_local_only
from dockwise.dockerfile.rules import Subject, stages

ID = "DW113"
NAME = "base-digest"
SEVERITY = Severity.INFO
SCOPE = Scope.EVERY_STAGE
FIX = "Pin the base image by digest: FROM image:tag@sha256:<digest>."
REFS: dict[str, str] = {}
ENABLED_BY_DEFAULT = False


def check(subject: Subject) -> Iterator[Hit]:
    for stage in stages(subject, SCOPE):
        if (
            stage.parent is not None
            or not stage.resolved
            or stage.is_scratch
            or not stage.base
            or is_local_only(stage.base)
        ):
            continue
        if ImageRef.parse(stage.base).digest is None:
            yield Hit(stage.from_instruction.line, f"{stage.base} is not pinned by digest")
