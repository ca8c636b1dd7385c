"""The working directory is unset, relative or a Windows path on Linux, or `cd` stands in for `WORKDIR`.

Files are copied relative to an unset working directory, a `WORKDIR` is relative or a Windows path on Linux, or a
`RUN` starts by `cd`-ing where a `WORKDIR` belongs.

Without `WORKDIR` a relative `COPY` destination on a generic base (debian, alpine, python...) lands in `/`, among
the system directories (on an image of your own or a product's, its `WORKDIR` is meant to be used); a relative `WORKDIR` with no absolute one before it in the stage depends on the base image
too; `WORKDIR D:\\app` on a Linux image is a relative directory literally named `D:\\app`. Which platform a stage
builds is read from `FROM --platform` and from Windows base images (nanoserver, servercore), not from the path.
A `RUN` that starts with `cd /dir` into a directory it does not remove again wants `WORKDIR /dir`; a `cd` into a
temporary build directory, deeper in a script, or back again is how source builds are written and is not flagged.
Scope: every stage, except for relative `COPY` destinations, which are judged in the final image's stages only (a
builder's files in `/` never reach the image, and a `FROM scratch` stage collecting files is on no generic base).

Anti-pattern::

    FROM python:3.13-slim
    COPY app.py .
    RUN cd /srv && python -m compileall .
    WORKDIR D:\\app

Best practice::

    FROM python:3.13-slim
    WORKDIR /app
    COPY app.py .
    RUN python -m compileall . \\
     && mkdir -p /tmp/build && cd /tmp/build && echo built > out && cd / && rm -rf /tmp/build
    WORKDIR lib
"""

import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.model import Step
from dockwise.dockerfile.queries import is_generic_base
from dockwise.dockerfile.rules import Subject, stages
from dockwise.dockerfile.shell import commands

ID = "DW002"
NAME = "workdir"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "Set an absolute WORKDIR before relative COPY/RUN, and use WORKDIR instead of `cd`."
REFS = {"hadolint": "DL3000,DL3003,DL3045", "buildkit": "WorkdirRelativePath"}

DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    final = {s.index for s in build.target_lineage}
    for stage in stages(subject, SCOPE):
        windows = build.is_windows(stage)
        for step in stage.steps:
            instruction = step.instruction
            keyword = instruction.keyword
            if keyword == "WORKDIR" and instruction.args:
                path = build.expand(instruction.args[0], step.variables)
                if not windows and (DRIVE.match(path) or DRIVE.match(instruction.args[0])):
                    path = instruction.args[0] if DRIVE.match(instruction.args[0]) else path
                    yield Hit(
                        instruction.line,
                        f"WORKDIR {path} is a Windows path, but this stage builds a Linux "
                        "image: it becomes a relative directory with that name",
                        severity=Severity.ERROR,
                    )
                elif not _absolute(path, windows) and not path.startswith("$") and step.workdir is None:
                    yield Hit(
                        instruction.line,
                        f"relative WORKDIR {path!r} with no absolute WORKDIR before it depends on the base image",
                    )
            elif keyword in ("COPY", "ADD") and len(instruction.args) >= 2 and step.workdir is None:
                dest = build.expand(instruction.args[-1], step.variables)
                if (
                    not _absolute(dest, windows)
                    and not dest.startswith("$")
                    and stage.index in final
                    and is_generic_base(build.external_base(stage))
                ):
                    yield Hit(
                        instruction.line,
                        f"{keyword} to relative {dest!r} with no WORKDIR set: it lands in / among the system directories",
                    )
            elif step.run is not None:
                target = _leading_cd(step)
                if target is not None:
                    yield Hit(
                        instruction.line,
                        f"RUN starts with `cd {target}`, which lasts for this instruction only; use WORKDIR {target}",
                    )


def _absolute(path: str, windows: bool) -> bool:
    return path.startswith("/") or (windows and (bool(DRIVE.match(path)) or path.startswith("\\")))


def _leading_cd(step: Step) -> str | None:
    """The directory a RUN starts by `cd`-ing into, when it is a fixed absolute path the RUN does not remove."""
    assert step.run is not None
    cmds = commands(step.run)
    if not cmds or cmds[0].program != "cd" or len(cmds[0].argv) != 2:
        return None
    target = cmds[0].argv[1].rstrip("/")
    if not target.startswith("/") or "$" in target or target.startswith("/tmp"):
        return None
    removed = any(
        c.program == "rm"
        and any(
            w.rstrip("/") == target or target.startswith(w.rstrip("/") + "/")
            for w in c.argv[1:]
            if w.startswith("/") and w != "/"
        )
        for c in cmds
    )
    return None if removed else target
