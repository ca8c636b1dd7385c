"""The final image is built on the full variant of a language image.

A full language image (`python:3.13`) carries compilers and hundreds of packages the service never uses: more size,
more CVEs. A base chosen through `ARG` is judged by its default (or `--build-arg`). Scope: the final image only —
builder stages are free to use a full image. Not flagged: an image that installs a language runtime itself (the
official toolchain images build on `buildpack-deps` on purpose, beside their slim and alpine variants), an `ONBUILD`
base, a Dockerfile whose build context holds its slim or alpine variant beside it (`python3.11.dockerfile` next to
`python3.11-slim.dockerfile`: the full one is offered on purpose), a development stage, and a stage that only
exports files or runs checks. An untagged base (`FROM python`) means `latest`, and `latest` of these images is the
full variant: it is flagged here as well as by DW125 (which says the tag moves). A base pinned by digest alone is
not judged: its variant is not visible.

Anti-pattern::

    FROM python:3.13
    USER 1000
    CMD ["python", "-m", "http.server"]

Anti-pattern::

    FROM python
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
from dockwise.dockerfile.queries import ImageRef, installed_runtime, is_onbuild_base, runtime_target
from dockwise.dockerfile.rules import Subject

ID = "DW001"
NAME = "minimal-base"
SEVERITY = Severity.WARNING
SCOPE = Scope.FINAL_IMAGE
FIX = "Use a slim, distroless or otherwise minimal tag (e.g. python:3.13-slim) for the final stage."
REFS = {"cis": "4.3"}

# Official images whose plain tags are the full, build-tools-included variant.
FULL_IMAGES = frozenset(
    {
        "python",
        "node",
        "ruby",
        "php",
        "perl",
        "golang",
        "openjdk",
        "eclipse-temurin",
        "rust",
        "buildpack-deps",
        "gcc",
        "maven",
        "gradle",
        "elixir",
        "erlang",
        "haskell",
        "julia",
        "r-base",
    }
)
VARIANT = re.compile(r"(?i)(dockerfile.*(slim|alpine)|(slim|alpine).*dockerfile)")
MINIMAL_HINTS = re.compile(r"slim|alpine|distroless|minimal|micro|chiseled|scratch|static|nonroot|jre|busybox")


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    target = runtime_target(build)
    if target is None or installed_runtime(build) or is_onbuild_base(build) or _variants_beside(subject):
        return
    root = build.target_lineage[0]
    if not root.resolved or root.is_scratch:
        return
    ref = ImageRef.parse(root.base)
    where = "" if root is target else f" (the target builds on stage {root.label})"
    tag = ref.tag or (None if ref.digest else "latest")
    if tag and ref.name in FULL_IMAGES and not MINIMAL_HINTS.search(tag) and "distroless" not in ref.repository:
        yield Hit(
            root.from_instruction.line,
            f"base image {root.base!r} is the full variant of {ref.name}{where}; a slim one is far smaller",
        )


def _variants_beside(subject: Subject) -> bool:
    context = subject.context
    return context is not None and any(VARIANT.search(f.rsplit("/", 1)[-1]) for f in context.files if "/" not in f)
