"""The final image is built on a full, untagged or `latest` base image.

A full language image (`python:3.13`) carries compilers and hundreds of packages the service never uses: more size,
more CVEs. No tag or `latest` changes under you between two builds. A base chosen through `ARG` is judged by its
default (or `--build-arg`); builder stages are free to use a full image.

Anti-pattern::

    FROM python:3.13
    USER 1000
    CMD ["python", "-m", "http.server"]

Best practice::

    ARG BASE=python:3.13-slim
    FROM ${BASE}
    USER 1000
    CMD ["python", "-m", "http.server"]
"""

import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import ImageRef
from dockwise.dockerfile.rules import Subject

ID = "DW001"
NAME = "minimal-base"
SEVERITY = Severity.WARNING
SCOPE = Scope.FINAL_IMAGE
FIX = "Use a pinned slim, distroless or otherwise minimal tag (e.g. python:3.13-slim) for the final stage."
REFS = {"hadolint": "DL3006,DL3007", "cis": "4.3", "dockle": "DKL-DI-0006"}

# Official images whose plain tags are the full, build-tools-included variant.
FULL_IMAGES = frozenset({"python", "node", "ruby", "php", "perl", "golang", "openjdk", "eclipse-temurin", "rust",
                         "buildpack-deps", "gcc", "maven", "gradle", "elixir", "erlang", "haskell", "julia", "r-base"})
MINIMAL_HINTS = re.compile(r"slim|alpine|distroless|minimal|micro|chiseled|scratch|static|nonroot|jre|busybox")


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    if build.target is None:
        return
    root = build.target_lineage[0]
    if not root.resolved or root.base.lower() == "scratch":
        return
    line = root.from_instruction.line
    ref = ImageRef.parse(root.base)
    where = "" if root is build.target else f" (the target builds on stage {root.label})"
    if ref.tag is None and ref.digest is None:
        yield Hit(line, f"base image {root.base!r} has no tag, so it means `latest`{where}")
    elif ref.tag == "latest":
        yield Hit(line, f"base image {root.base!r} uses the moving `latest` tag{where}")
    elif ref.name in FULL_IMAGES and not MINIMAL_HINTS.search(ref.tag or "") and "distroless" not in ref.repository:
        yield Hit(line, f"base image {root.base!r} is the full variant of {ref.name}{where}; a slim one is far smaller")
