"""The final image runs as root: no `USER`, or the last one is `root`/`0`, and nothing drops privileges.

A process running as root inside the container is root on the host's kernel: one escape away. Bases that already
run as an unprivileged user (distroless `:nonroot`, Chainguard's non-`-dev` images) pass. An image that starts as
root and drops privileges at run time (gosu, su-exec, s6-setuidgid, setpriv, `chroot --userspec`, a server's own
user option) is DW124 instead, at a lower severity. Scope: the final image, when it is meant to run — not a
development stage, an output-only `FROM scratch` stage, a CI check stage, nor an image that installs a language
runtime for others to build on (`node`, `golang`: their children set the user) or defers `ONBUILD` steps to them.
Without any `USER`, root is claimed only on bases known to run as root (debian, alpine, python... official images,
distroless without `:nonroot`, scratch): any other base's own `USER` applies and is not visible here. Windows
images (ContainerUser/ContainerAdministrator) are out of scope.

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
from dockwise.dockerfile.model import Build
from dockwise.dockerfile.queries import (
    ImageRef,
    final_image,
    installed_runtime,
    is_generic_base,
    is_onbuild_base,
    privilege_drop,
    runtime_target,
)
from dockwise.dockerfile.rules import Subject

ID = "DW008"
NAME = "non-root"
SEVERITY = Severity.WARNING
SCOPE = Scope.FINAL_IMAGE
FIX = "Create an unprivileged user and end the final stage with USER <uid> (e.g. USER 10001)."
REFS = {"hadolint": "DL3002", "cis": "4.1", "dockle": "CIS-DI-0001"}


def root_hit(build: Build) -> Hit | None:
    """Where and how the final image runs as root, or None; shared with DW124, which tells the privilege drops."""
    target = runtime_target(build)
    if target is None or installed_runtime(build) or is_onbuild_base(build) or build.is_windows(target):
        return None
    final = final_image(build)
    if final.user is not None:
        user = build.expand(final.user.instruction.args[0], final.user.variables) if final.user.instruction.args else ""
        if user.split(":", 1)[0] in ("root", "0"):
            return Hit(final.user.instruction.line, f"the final USER is {user}")
        return None
    base = build.external_base(target)
    ref = ImageRef.parse(base)
    if "nonroot" in (ref.tag or "") or (ref.repository.startswith("cgr.dev/chainguard/") and "dev" not in (ref.tag or "")):
        return None
    if not (is_generic_base(base) or base.lower() == "scratch" or "distroless" in ref.repository):
        return None  # the base image's own USER applies, and it is not known here
    return Hit(target.from_instruction.line, f"stage {target.label} never sets USER, so it runs as root")


def check(subject: Subject) -> Iterator[Hit]:
    hit = root_hit(subject.build)
    if hit is not None and privilege_drop(subject.build, subject.context) is None:
        yield hit
