"""The final image starts in shell form.

Shell form runs `/bin/sh -c`, so the app is not PID 1: `docker stop` sends SIGTERM to the shell, which does not
forward it, and the container is killed after the grace period. A distroless image has no shell at all.
`CMD exec app ...` is shell form that replaces the shell, so the app is PID 1: not flagged.
Having no `CMD`/`ENTRYPOINT` of its own is not flagged: inheriting the command is the point of many images (derived
from a product image such as `FROM rabbitmq`, toolchains, output-only `FROM scratch` stages, CI check stages), and
an image on a generic base without one is an environment run with a command each time (on the real-world corpus
the check was right 1 time in 10 before, and its last narrowed form 0 in 1). Scope: the final image, when it is
meant to run.

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
from dockwise.dockerfile.queries import command_words, final_image, runtime_target
from dockwise.dockerfile.rules import Subject

ID = "DW007"
NAME = "exec-form"
SEVERITY = Severity.WARNING
SCOPE = Scope.FINAL_IMAGE
FIX = 'Write CMD/ENTRYPOINT in JSON (exec) form: CMD ["python", "app.py"].'
REFS = {"hadolint": "DL3025", "buildkit": "JSONArgsRecommended"}


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    target = runtime_target(build)
    if target is None:
        return
    final = final_image(build)
    for step in (final.entrypoint, final.cmd):
        if step is not None and not step.instruction.json and step.instruction.args and not _execs(step):
            yield Hit(
                step.instruction.line,
                f"{step.instruction.keyword} in shell form: the app is not PID 1 and misses SIGTERM",
            )


def _execs(step) -> bool:
    """`CMD exec app ...`: the shell replaces itself with the app, which then is PID 1."""
    words = command_words(step.instruction)
    return bool(words) and words[0].words[:1] == ("exec",) and len(words) == 1
