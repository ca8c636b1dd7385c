"""The base image (label org.opencontainers.image.base.name) or the image itself is untagged or tagged `latest`.

Why: `latest` changes under you; rebuilds are not reproducible and you cannot tell which patches you run.
Anti-pattern: `FROM python` / `FROM python:latest`; publishing only `:latest`.
Best practice: pin the base by tag and digest; tag images with a version.
"""

from dockwise.image.checks import emit
from dockwise.core.findings import Severity

CODE = "DI010"
NAME = "latest-tag"
SEVERITY = Severity.WARNING
REFS = {"dockle": "DKL-DI-0006", "hadolint": "DL3007", "cis": "4.2"}
BASE_LABEL = "org.opencontainers.image.base.name"


def _floating(reference: str) -> bool:
    if "@sha256:" in reference:
        return False
    name = reference.rsplit("/", 1)[-1]
    return ":" not in name or name.endswith(":latest")


def check(facts):
    base = facts.labels.get(BASE_LABEL)
    if base and _floating(base):
        yield emit(facts, CODE, SEVERITY, REFS, f"base image {base} is untagged or latest",
                   "pin the base image by version tag and digest")
    if not facts.tags or all(tag.endswith(":latest") for tag in facts.tags):
        shown = ", ".join(facts.tags) or "no tag"
        yield emit(facts, CODE, Severity.INFO, REFS, f"the image carries only {shown}",
                   "tag the image with a version")
