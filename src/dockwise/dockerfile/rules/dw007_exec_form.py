"""The final image starts in shell form, or has no `CMD`/`ENTRYPOINT` of its own.

Shell form runs `/bin/sh -c`, so the app is not PID 1: `docker stop` sends SIGTERM to the shell, which does not
forward it, and the container is killed after the grace period. A distroless image has no shell at all.

Anti-pattern::

    FROM python:3.13-slim
    CMD python -m http.server

Best practice::

    FROM python:3.13-slim
    CMD ["python", "-m", "http.server"]
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import final_image
from dockwise.dockerfile.rules import Subject

ID = "DW007"
NAME = "exec-form"
SEVERITY = Severity.WARNING
SCOPE = Scope.FINAL_IMAGE
FIX = 'Write CMD/ENTRYPOINT in JSON (exec) form: CMD ["python", "app.py"].'
REFS = {"hadolint": "DL3025", "buildkit": "JSONArgsRecommended"}


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    if build.target is None:
        return
    final = final_image(build)
    for step in (final.entrypoint, final.cmd):
        if step is not None and not step.instruction.json and step.instruction.args:
            yield Hit(step.instruction.line, f"{step.instruction.keyword} in shell form: the app is not PID 1 and misses SIGTERM")
    if final.entrypoint is None and final.cmd is None:
        yield Hit(build.target.from_instruction.line, f"stage {build.target.label} has no CMD or ENTRYPOINT; it runs whatever the base image runs")
