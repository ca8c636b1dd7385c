"""The final `USER` is a name whose uid the Dockerfile does not fix.

Kubernetes' `runAsNonRoot` can only verify a numeric user, and a name resolves through the image's /etc/passwd: a
system user made with `useradd -r` or `adduser -S` gets whatever uid is free. When the Dockerfile creates the user
with an explicit uid (`useradd -u 10001 app`) the name is a fixed, known uid — official images use names that way
by policy — and it is not flagged, nor are `nobody` (65534 everywhere) and a product image's own user (`USER
nginx` on `FROM nginx`, whose uid the base fixes). Scope: the final image, Linux only.

Anti-pattern::

    FROM python:3.13-slim
    RUN useradd --system app
    USER app
    CMD ["python", "-m", "http.server"]

Best practice::

    FROM python:3.13-slim
    RUN useradd --uid 10001 app
    USER 10001:10001
    CMD ["python", "-m", "http.server"]
"""

import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import ImageRef, final_image, runtime_target
from dockwise.dockerfile.rules import Subject
from dockwise.dockerfile.shell import commands, has_option, scripts

ID = "DW114"
NAME = "user-by-name"
SEVERITY = Severity.INFO
SCOPE = Scope.FINAL_IMAGE
FIX = "Use the numeric uid (and gid): USER 10001:10001."
REFS = {"hadolint": "DL3066"}

# useradd/adduser options whose next word is a value, not the user name.
VALUED = frozenset(
    {
        "-u",
        "--uid",
        "-g",
        "--gid",
        "-G",
        "--groups",
        "-d",
        "--home",
        "--home-dir",
        "-s",
        "--shell",
        "-c",
        "--comment",
        "--gecos",
        "-k",
        "--skel",
        "-K",
        "--key",
        "-e",
        "--expiredate",
        "-f",
        "--inactive",
        "-p",
        "--password",
        "--ingroup",
        "-h",
        "--firstuid",
        "--lastuid",
    }
)


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    target = runtime_target(build)
    if target is None:
        return
    user_step = final_image(build).user
    if user_step is None or not user_step.instruction.args:
        return
    user = build.expand(user_step.instruction.args[0], user_step.variables)
    name = user.split(":", 1)[0]
    if (
        "$" in user or (name.isascii() and name.isdigit()) or name in ("root", "nobody") or name in _fixed_uids(build)
    ):  # "²" is no uid
        return
    if build.is_windows(target) or name == ImageRef.parse(build.external_base(target)).name:
        return  # Windows users have no uid; a product image's own user (nginx on nginx) has the uid its base fixed
    yield Hit(
        user_step.instruction.line, f"USER {user} is a name whose uid this Dockerfile does not fix; use a numeric uid"
    )


def _fixed_uids(build) -> set[str]:
    """Users the lineage creates with an explicit uid (useradd/adduser -u N, --uid N, or a passwd line)."""
    names: set[str] = set()
    for step in build.target_steps():
        run = step.run
        if run is None:
            continue
        for command in commands(run):
            argv = command.argv
            if command.program in ("useradd", "adduser") and has_option(argv, "-u", "--uid"):
                operands = [w for i, w in enumerate(argv[1:], 1) if not w.startswith("-") and argv[i - 1] not in VALUED]
                names.update(operands[-1:])
        for text in scripts(run):
            names.update(re.findall(r"^([a-z_][a-z0-9_-]*):x?:\d+:", text, re.MULTILINE))
    return names
