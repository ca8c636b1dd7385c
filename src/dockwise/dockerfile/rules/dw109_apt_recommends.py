"""`apt-get install` without `--no-install-recommends`.

Debian's "recommended" packages often double an install (documentation, X11 libraries, extra tools), and each is
one more thing to patch. Scope: the final image (a builder stage that is thrown away may install what it likes).

Anti-pattern::

    FROM debian:trixie-slim
    RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*

Best practice::

    FROM debian:trixie-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, steps
from dockwise.dockerfile.shell import commands, has_option

ID = "DW109"
NAME = "apt-no-install-recommends"
SEVERITY = Severity.INFO
SCOPE = Scope.FINAL_IMAGE
FIX = "Add --no-install-recommends to apt-get install."
REFS = {"hadolint": "DL3015", "cis": "4.3"}
DRY_RUN = ("-s", "--simulate", "--dry-run", "--just-print", "--no-act", "--recon")  # installs nothing


def check(subject: Subject) -> Iterator[Hit]:
    for step in steps(subject, SCOPE):
        run = step.run
        if run is None:
            continue
        for command in commands(run):
            argv = command.argv
            if (
                command.program in ("apt-get", "apt")
                and "install" in argv
                and not (
                    has_option(argv, "--no-install-recommends", *DRY_RUN)
                    or any("Install-Recommends=" in w for w in argv)
                )
            ):
                yield Hit(step.instruction.line, f"{command.program} install pulls in recommended packages")
                break
