"""The final image runs as root: no `USER`, or the last one is `root`/`0`.

A process running as root inside the container is root on the host's kernel: one escape away. Bases that already
run as an unprivileged user (distroless `:nonroot`, Chainguard's non-`-dev` images) pass.

Anti-pattern::

    FROM python:3.13-slim
    RUN useradd --uid 10001 app
    CMD ["python", "-m", "http.server"]

Best practice::

    FROM python:3.13-slim
    RUN useradd --uid 10001 app
    USER 10001
    CMD ["python", "-m", "http.server"]
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import ImageRef, final_image
from dockwise.dockerfile.rules import Subject

ID = "DW008"
NAME = "non-root"
SEVERITY = Severity.WARNING
SCOPE = Scope.FINAL_IMAGE
FIX = "Create an unprivileged user and end the final stage with USER <uid> (e.g. USER 10001)."
REFS = {"hadolint": "DL3002", "cis": "4.1", "dockle": "CIS-DI-0001"}


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    if build.target is None:
        return
    final = final_image(build)
    if final.user is not None:
        user = build.expand(final.user.instruction.args[0], final.user.variables) if final.user.instruction.args else ""
        if user.split(":", 1)[0] in ("root", "0"):
            yield Hit(final.user.instruction.line, f"the final USER is {user}")
        return
    ref = ImageRef.parse(build.external_base(build.target))
    if "nonroot" in (ref.tag or "") or (ref.repository.startswith("cgr.dev/chainguard/") and "dev" not in (ref.tag or "")):
        return
    yield Hit(build.target.from_instruction.line, f"stage {build.target.label} never sets USER, so it runs as root")
