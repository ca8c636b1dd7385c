"""A package install waits for a confirmation the build cannot give.

`apt-get install` and `yum`/`dnf`/`microdnf install` without `-y`, `zypper install` without `-n`.

A build has no terminal: apt-get reads the "Do you want to continue? [Y/n]" answer from an empty stdin and aborts,
so the build fails (or, with `apt`, behaves differently from one release to the next). Scope: every stage.
`apt-get` with `-y`, `--yes`, `--assume-yes`, `-qq` (which implies it), or `APT::Get::Assume-Yes` set passes.

Anti-pattern::

    FROM debian:trixie-slim
    RUN apt-get update && apt-get install --no-install-recommends curl && rm -rf /var/lib/apt/lists/*

Best practice::

    FROM debian:trixie-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
"""

import itertools
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, steps
from dockwise.dockerfile.shell import commands, has_option

ID = "DW131"
NAME = "non-interactive-install"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "Add -y (apt-get, yum, dnf, microdnf) or -n (zypper) so the install does not wait for an answer."
REFS = {"hadolint": "DL3014,DL3030,DL3034,DL3038"}

YES = {
    "apt-get": ("-y", "--yes", "--assume-yes", "-qq"),
    "yum": ("-y", "--assumeyes"),
    "dnf": ("-y", "--assumeyes"),
    "microdnf": ("-y", "--assumeyes"),
    "zypper": ("-n", "--non-interactive", "-y", "--no-confirm"),
}
DRY_RUN = ("-s", "--simulate", "--dry-run", "--just-print", "--no-act", "--recon", "--assumeno")
VERBS = {
    "apt-get": ("install", "upgrade", "dist-upgrade", "remove", "purge", "autoremove"),
    "yum": ("install", "update", "upgrade", "remove"),
    "dnf": ("install", "update", "upgrade", "remove"),
    "microdnf": ("install", "update", "upgrade", "remove"),
    "zypper": ("install", "in", "update", "up", "remove", "rm"),
}


def check(subject: Subject) -> Iterator[Hit]:
    for step in steps(subject, SCOPE):
        run = step.run
        if run is None:
            continue
        for command in commands(run):
            program, argv = command.program, command.argv
            verbs = VERBS.get(program)
            if not verbs or not any(w in verbs for w in argv[1:]):
                continue
            if (
                has_option(argv, *YES[program], *DRY_RUN)
                or any("Assume-Yes" in w for w in argv)
                or "yes" in _piped_in(command, run)
            ):
                continue
            yield Hit(
                step.instruction.line,
                f"{program} {next(w for w in argv[1:] if w in verbs)} without {YES[program][0]} waits for an answer the build cannot give",
            )
            break


def _piped_in(command, run) -> str:
    """The program piped into `command` (`yes | apt-get install ...`)."""
    cmds = commands(run)
    for before, current in itertools.pairwise(cmds):
        if current is command and before.then == "|":
            return before.program
    return ""
