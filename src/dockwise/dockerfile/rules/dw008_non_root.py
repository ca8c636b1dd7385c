"""The final image runs a service as root: no `USER`, or the last one is `root`/`0`, and nothing drops privileges.

A process running as root inside the container is root on the host's kernel: one escape away. Bases that already
run as an unprivileged user (distroless `:nonroot`, Chainguard's non-`-dev` images) pass. An image that starts as
root and drops privileges at run time (gosu, su-exec, s6-setuidgid, setpriv, `chroot --userspec`, a server's own
user option, or gosu/su-exec/setpriv installed beside an `ENTRYPOINT` script) is DW124 instead, at a lower
severity. Scope: the final image, when it is meant to run — not a development stage, an output-only `FROM scratch`
stage, a CI check stage, nor an image that installs a language runtime for others to build on (`node`, `golang`:
their children set the user) or defers `ONBUILD` steps to them.
Without any `USER`, root is claimed only on bases known to run as root (debian, alpine, python... official images,
distroless without `:nonroot`, scratch): any other base's own `USER` applies and is not visible here. Windows
images (ContainerUser/ContainerAdministrator) are out of scope. The image must be a service — it `EXPOSE`s a port
or starts a known server, a framework's development server included (`python web_app.py` calling `app.run()`, the
same test as DW101) — because that is where root is an attack surface and where maintainers act (on the
real-world corpus, root tool images — the docker CLI, buildkitd, a BuildKit frontend, base images meant to be
extended — were root by design); and one that `EXPOSE`s a privileged port (< 1024: caddy, traefik, a mail or web
server on 80/443) needs root or a capability to bind it, a trade-off left to its maintainer.

Anti-pattern::

    FROM python:3.13-slim
    RUN useradd --uid 10001 app
    CMD ["python", "-m", "http.server"]

Anti-pattern::

    FROM python:3.13-slim
    WORKDIR /app
    COPY web_app.py ./
    CMD ["python", "web_app.py"]

Context::

    web_app.py: from flask import Flask\\napp = Flask(__name__)\\napp.run(host="0.0.0.0")

Best practice::

    FROM python:3.13-slim
    RUN useradd --uid 10001 app
    USER 10001
    CMD ["python", "-m", "http.server"]
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.context import BuildContext
from dockwise.dockerfile.model import Build
from dockwise.dockerfile.queries import (
    ImageRef,
    final_image,
    installed_runtime,
    is_generic_base,
    is_onbuild_base,
    privilege_drop,
    runs_server,
    runtime_target,
)
from dockwise.dockerfile.rules import Subject

ID = "DW008"
NAME = "non-root"
SEVERITY = Severity.WARNING
SCOPE = Scope.FINAL_IMAGE
FIX = "Create an unprivileged user and end the final stage with USER <uid> (e.g. USER 10001)."
REFS = {"hadolint": "DL3002", "cis": "4.1", "dockle": "CIS-DI-0001"}


def root_hit(build: Build, context: BuildContext | None) -> Hit | None:
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
    starter = final.entrypoint or final.cmd
    ports = [_port(build.expand(w, e.variables)) for e in final.expose for w in e.instruction.args]
    if not ports and not (starter and runs_server(starter.instruction, context)):
        return None  # not a service
    if any(p is not None and p < 1024 for p in ports):
        return None  # binds a privileged port: root (or CAP_NET_BIND_SERVICE) is part of the design
    base = build.external_base(target)
    ref = ImageRef.parse(base)
    if "nonroot" in (ref.tag or "") or (
        ref.repository.startswith("cgr.dev/chainguard/") and "dev" not in (ref.tag or "")
    ):
        return None
    if not (is_generic_base(base) or base.lower() == "scratch" or "distroless" in ref.repository):
        return None  # the base image's own USER applies, and it is not known here
    return Hit(target.from_instruction.line, f"stage {target.label} never sets USER, so it runs as root")


def _port(word: str) -> int | None:
    number = word.split("/", 1)[0].split("-", 1)[0]
    return int(number) if number.isascii() and number.isdigit() else None  # "²".isdigit(), but no uid


def check(subject: Subject) -> Iterator[Hit]:
    hit = root_hit(subject.build, subject.context)
    if hit is not None and privilege_drop(subject.build, subject.context) is None:
        yield hit
