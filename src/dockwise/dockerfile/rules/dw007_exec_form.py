"""The final image starts in shell form, or declares a service (`EXPOSE`) with no command of its own.

Shell form runs `/bin/sh -c`, so the app is not PID 1: `docker stop` sends SIGTERM to the shell, which does not
forward it, and the container is killed after the grace period. A distroless image has no shell at all.
`CMD exec app ...` is shell form that replaces the shell, so the app is PID 1: not flagged.
An image that `EXPOSE`s a port but sets no `CMD`/`ENTRYPOINT` on a generic base (debian, alpine, python, node...)
starts that base's shell or REPL instead of the service. Inheriting the command is otherwise the point of many
images — images derived from a product image (`FROM rabbitmq`), toolchain images, output-only `FROM scratch`
stages, CI check stages — and is not flagged. Scope: the final image (not a development stage).

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
from dockwise.dockerfile.queries import command_words, final_image, is_generic_base, runtime_target
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
            yield Hit(step.instruction.line, f"{step.instruction.keyword} in shell form: the app is not PID 1 and misses SIGTERM")
    if final.entrypoint is None and final.cmd is None and final.expose and is_generic_base(build.external_base(target)):
        base = build.external_base(target)
        yield Hit(final.expose[0].instruction.line,
                  f"stage {target.label} EXPOSEs a port but has no CMD or ENTRYPOINT: it starts {base}'s shell or REPL")


def _execs(step) -> bool:
    """`CMD exec app ...`: the shell replaces itself with the app, which then is PID 1."""
    words = command_words(step.instruction)
    return bool(words) and words[0].words[:1] == ("exec",) and len(words) == 1
