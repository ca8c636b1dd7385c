"""A script downloaded with `curl`/`wget` is piped straight into a shell or interpreter.

Nothing checks what was downloaded, a truncated download runs half a script, and without `pipefail` a failed
download still "succeeds".

Anti-pattern::

    FROM debian:trixie-slim
    RUN curl -fsSL https://example.com/install.sh | sh

Best practice::

    FROM debian:trixie-slim
    RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \\
     && echo "24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d  /tmp/install.sh" | sha256sum -c - \\
     && sh /tmp/install.sh
"""

import itertools
import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, steps
from dockwise.dockerfile.shell import commands

ID = "DW107"
NAME = "curl-pipe-shell"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "Download to a file, verify its checksum, then run it."
REFS: dict[str, str] = {}

SHELLS = re.compile(r"^(sh|bash|dash|zsh|ash|ksh|python[0-9.]*|perl|ruby|node)$")


def check(subject: Subject) -> Iterator[Hit]:
    for step in steps(subject, SCOPE):
        run = step.run
        if run is None:
            continue
        cmds = commands(run)
        for first, second in itertools.pairwise(cmds):
            if first.then == "|" and first.program in ("curl", "wget") and SHELLS.match(second.program):
                yield Hit(step.instruction.line, f"{first.program} output piped into {second.program}")
                break
