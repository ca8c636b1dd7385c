"""`apt-get install` or `apk add` installs packages without pinned versions, where the pinning policy asks for them.

A policy, off by default: set `pin = ["pip", "apt", "apk"]` (or a part of it) in `[tool.dockwise]`. Why off: Debian
and Alpine remove superseded package versions from their archives, so `curl=8.5.0-2` breaks the next rebuild
(hadolint #884), security updates need a Dockerfile change each, and on the real-world corpus no maintainer pins
apt or apk versions (the official images pin only the product they package, through its own release URL). Teams
that rebuild from a snapshot archive (snapshot.debian.org) can turn it on. Scope: every stage.

Anti-pattern::

    FROM debian:trixie-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*

Best practice::

    FROM debian:trixie-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl=8.14.1-2 && rm -rf /var/lib/apt/lists/*
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, steps
from dockwise.dockerfile.shell import commands

ID = "DW126"
NAME = "unpinned-os-packages"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "Pin each package (apt: name=version, apk: name=version), or leave `apt`/`apk` out of the `pin` setting."
REFS = {"hadolint": "DL3008,DL3018"}

# Options whose next word is a value, not a package.
VALUED = frozenset(
    {
        "-o",
        "--option",
        "-t",
        "--target-release",
        "-c",
        "--config-file",
        "--repository",
        "-X",
        "--virtual",
        "--root",
        "-p",
        "--arch",
        "--cache-dir",
        "--keys-dir",
    }
)


def check(subject: Subject) -> Iterator[Hit]:
    policy = subject.settings
    for step in steps(subject, SCOPE):
        run = step.run
        if run is None:
            continue
        for command in commands(run):
            argv = command.argv
            if command.program in ("apt-get", "apt") and policy.pins("apt") and "install" in argv:
                loose = _loose(argv[argv.index("install") + 1 :], "=")
            elif command.program == "apk" and policy.pins("apk") and "add" in argv:
                loose = _loose(argv[argv.index("add") + 1 :], "=")
            else:
                continue
            if loose:
                yield Hit(
                    step.instruction.line,
                    f"{command.program} installs without a pinned version: {', '.join(loose[:4])}",
                )
                break


def _loose(words: tuple[str, ...], pin: str) -> list[str]:
    loose, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in VALUED:
            skip = True
        elif word.startswith("-") or "$" in word or word.endswith(".deb") or "/" in word:
            continue
        elif pin not in word and "~" not in word and ">" not in word and "<" not in word:
            loose.append(word)
    return loose
