"""A Python image does not set `PYTHONUNBUFFERED`.

With a pipe for stdout (as under Docker), Python buffers its output: logs arrive late, and a crash loses the last
lines — the ones that explain it. Scope: a final image meant to run a Python app; not an image that builds and
installs Python itself (`ENV PYTHON_VERSION`, the official python images: they are bases, not services), nor one
that defers `ONBUILD` steps to its children (setting it there would change every child), nor one built on a base
other than the official language and OS images, whose own ENV may set it and is not visible here.

Anti-pattern::

    FROM python:3.13-slim
    CMD ["python", "-m", "http.server"]

Best practice::

    FROM python:3.13-slim
    ENV PYTHONUNBUFFERED=1
    CMD ["python", "-m", "http.server"]
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import (
    command_words,
    final_image,
    installed_runtime,
    is_generic_base,
    is_onbuild_base,
    is_python_image,
    runtime_target,
)
from dockwise.dockerfile.rules import Subject

ID = "DW102"
NAME = "python-unbuffered"
SEVERITY = Severity.INFO
SCOPE = Scope.FINAL_IMAGE
FIX = "Add ENV PYTHONUNBUFFERED=1 to the final stage (or run python -u)."
REFS: dict[str, str] = {}


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    target = runtime_target(build)
    if target is None or not is_python_image(build) or installed_runtime(build) == "python" or is_onbuild_base(build):
        return
    if not is_generic_base(build.external_base(target)):
        return  # an image of someone else's may set it; its ENV is not visible here
    if target.env.get("PYTHONUNBUFFERED", "") not in ("", "0"):
        return
    final = final_image(build)
    starter = final.entrypoint or final.cmd
    if starter and any("-u" in c.argv[1:2] for c in command_words(starter.instruction)):
        return
    yield Hit(target.from_instruction.line, "PYTHONUNBUFFERED is not set: logs are buffered and lost on a crash")
