"""The final image has no `HEALTHCHECK`.

Without one, Docker reports a running container as healthy even when the app inside hangs.
`HEALTHCHECK NONE` counts as a deliberate choice.

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
from dockwise.dockerfile.queries import final_image
from dockwise.dockerfile.rules import Subject

ID = "DW112"
NAME = "no-healthcheck"
SEVERITY = Severity.INFO
SCOPE = Scope.FINAL_IMAGE
FIX = "Add an exec-form HEALTHCHECK that probes the service (e.g. with python -c and urllib)."
REFS = {"hadolint": "DL3057", "cis": "4.6", "dockle": "CIS-DI-0006"}


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    if build.target is not None and final_image(build).healthcheck is None:
        yield Hit(build.target.from_instruction.line, f"stage {build.target.label} has no HEALTHCHECK")
