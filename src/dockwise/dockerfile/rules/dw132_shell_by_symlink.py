"""A `RUN` replaces `/bin/sh` with a symlink to another shell instead of using `SHELL`.

`ln -sf /bin/bash /bin/sh` changes the shell of every later `RUN`, and of every script and program in the final
image that calls `/bin/sh` (dash's speed and POSIX behaviour gone), behind the reader's back. `SHELL ["/bin/bash",
"-c"]` changes only the Dockerfile's `RUN`s, visibly. Scope: every stage.

Anti-pattern::

    FROM debian:trixie-slim
    RUN ln -sf /bin/bash /bin/sh

Best practice::

    FROM debian:trixie-slim
    SHELL ["/bin/bash", "-o", "pipefail", "-c"]
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, steps
from dockwise.dockerfile.shell import commands

ID = "DW132"
NAME = "shell-by-symlink"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = 'Use SHELL ["/bin/bash", "-c"] (with -o pipefail) instead of replacing /bin/sh.'
REFS = {"hadolint": "DL4005"}


def check(subject: Subject) -> Iterator[Hit]:
    for step in steps(subject, SCOPE):
        run = step.run
        if run is None:
            continue
        for command in commands(run):
            argv = command.argv
            if (
                command.program == "ln"
                and any(w.startswith("-") and "s" in w for w in argv[1:])
                and argv[-1] in ("/bin/sh", "/usr/bin/sh")
            ):
                yield Hit(
                    step.instruction.line,
                    f"`ln` replaces {argv[-1]} with {argv[-2]}; use SHELL for the RUNs that need it",
                )
                break
