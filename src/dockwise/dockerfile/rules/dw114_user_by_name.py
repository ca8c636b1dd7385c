"""The final `USER` is a name rather than a number.

Kubernetes' `runAsNonRoot` can only verify a numeric user, and a name depends on the image's /etc/passwd.

Anti-pattern::

    FROM python:3.13-slim
    RUN useradd --uid 10001 app
    USER app

Best practice::

    FROM python:3.13-slim
    RUN useradd --uid 10001 app
    USER 10001:10001
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import final_image
from dockwise.dockerfile.rules import Subject

ID = "DW114"
NAME = "user-by-name"
SEVERITY = Severity.INFO
SCOPE = Scope.FINAL_IMAGE
FIX = "Use the numeric uid (and gid): USER 10001:10001."
REFS = {"hadolint": "DL3066"}


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    user_step = final_image(build).user
    if user_step is None or not user_step.instruction.args:
        return
    user = build.expand(user_step.instruction.args[0], user_step.variables)
    name = user.split(":", 1)[0]
    if "$" not in user and not (name.isascii() and name.isdigit()) and name != "root":  # "²" is no uid
        yield Hit(user_step.instruction.line, f"USER {user} is a name; use its uid")
