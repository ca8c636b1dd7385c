"""`apt-get update` leaves the package lists in the final image.

`/var/lib/apt/lists` is 20-50 MB of indexes that are stale the day after the build. Remove them in the same `RUN`
(`rm -rf /var/lib/apt/lists/*`, or `apt-get dist-clean` — alias `distclean` — of apt 2.7 and later), or keep them in
a BuildKit cache mount. Scope: the final image.

Anti-pattern::

    FROM debian:trixie-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl

Best practice::

    FROM debian:trixie-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import cache_mount_targets
from dockwise.dockerfile.rules import Subject, steps
from dockwise.dockerfile.shell import commands

ID = "DW110"
NAME = "apt-lists-left"
SEVERITY = Severity.INFO
SCOPE = Scope.FINAL_IMAGE
FIX = "End the RUN with `&& rm -rf /var/lib/apt/lists/*`, or mount a cache on /var/lib/apt/lists."
REFS = {"hadolint": "DL3009", "dockle": "DKL-DI-0005"}


def check(subject: Subject) -> Iterator[Hit]:
    for step in steps(subject, SCOPE):
        instruction = step.run
        if instruction is None:
            continue
        cmds = commands(instruction)
        if not any(c.program in ("apt-get", "apt") and "update" in c.argv for c in cmds):
            continue
        if any(t.rstrip("/") in ("/var/lib/apt/lists", "/var/lib/apt") for t in cache_mount_targets(instruction)):
            continue
        if not any(_removes_lists(c.program, c.argv) for c in cmds):
            yield Hit(instruction.line, "apt-get update without removing /var/lib/apt/lists in the same RUN")


def _removes_lists(program: str, argv: tuple[str, ...]) -> bool:
    if program == "rm":
        return any("/var/lib/apt/lists" in w for w in argv)
    return program in ("apt-get", "apt") and any(w in ("dist-clean", "distclean") for w in argv[1:])
