"""The final image has no `HEALTHCHECK`.

Without one, Docker reports a running container as healthy even when the app inside hangs.
`HEALTHCHECK NONE` counts as a deliberate choice. Off by default (`enable = ["DW112"]` turns it on): on the
real-world corpus no maintainer would act on it (0 of 17 sampled findings) — official images decline generic
probes, Kubernetes ignores HEALTHCHECK for its own probes, one image often serves several roles. Scope: a final
image meant to run that starts a server.

Anti-pattern::

    FROM python:3.13-slim
    CMD ["python", "-m", "http.server"]

Best practice::

    FROM python:3.13-slim
    HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/')"]
    CMD ["python", "-m", "http.server"]
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import final_image, runs_server, runtime_target
from dockwise.dockerfile.rules import Subject

ID = "DW112"
NAME = "no-healthcheck"
SEVERITY = Severity.INFO
SCOPE = Scope.FINAL_IMAGE
FIX = "Add an exec-form HEALTHCHECK that probes the service (e.g. with python -c and urllib)."
REFS = {"hadolint": "DL3057", "cis": "4.6", "dockle": "CIS-DI-0006"}
ENABLED_BY_DEFAULT = False


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    target = runtime_target(build)
    final = final_image(build)
    starter = final.entrypoint or final.cmd
    if (
        target is None
        or final.healthcheck is not None
        or starter is None
        or not runs_server(starter.instruction, subject.context)
    ):
        return
    yield Hit(target.from_instruction.line, f"stage {target.label} starts a server but has no HEALTHCHECK")
