"""The base image (label org.opencontainers.image.base.name) or the image itself is untagged or tagged `latest`.

`latest` changes under you; rebuilds are not reproducible and you cannot tell which patches you run. Pin the base
by tag and digest; tag images with a version.

Known limitations::

    The base is known only from the org.opencontainers.image.base.name label, which BuildKit does not set itself.

Anti-pattern::

    FROM scratch
    LABEL org.opencontainers.image.base.name=docker.io/library/python:latest
    COPY app.py /app/app.py

Context::

    app.py

Best practice::

    FROM scratch
    LABEL org.opencontainers.image.base.name=docker.io/library/python:3.13-slim
    COPY app.py /app/app.py

Context::

    app.py
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.image.facts import ImageFacts

ID = "DI010"
NAME = "latest-tag"
SEVERITY = Severity.WARNING
SCOPE = Scope.IMAGE
FIX = "pin the base image by version tag and digest"
REFS = {"dockle": "DKL-DI-0006", "hadolint": "DL3007", "cis": "4.2"}
BASE_LABEL = "org.opencontainers.image.base.name"


def _floating(reference: str) -> bool:
    if "@sha256:" in reference:
        return False
    name = reference.rsplit("/", 1)[-1]
    return ":" not in name or name.endswith(":latest")


def check(facts: ImageFacts) -> Iterator[Hit]:
    base = facts.labels.get(BASE_LABEL)
    if base and _floating(base):
        yield Hit(None, f"base image {base} is untagged or latest")
    if not facts.tags or all(tag.endswith(":latest") for tag in facts.tags):
        shown = ", ".join(facts.tags) or "no tag"
        yield Hit(None, f"the image carries only {shown}", fix="tag the image with a version", severity=Severity.INFO)
