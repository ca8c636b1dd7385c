"""`FROM` uses a variable that no `ARG` before the first `FROM` defines (and no `--build-arg` gives).

It expands to an empty string, so the build fails or picks an unexpected image.

Anti-pattern::

    FROM ${BASE}

Best practice::

    ARG BASE=python:3.13-slim
    FROM ${BASE}
"""

import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.model import PREDEFINED_ARGS
from dockwise.dockerfile.rules import Subject, stages

ID = "DW121"
NAME = "undefined-arg-in-from"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "Declare the variable with ARG NAME=default before the first FROM."
REFS = {"buildkit": "UndefinedArgInFrom"}

VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    known = set(build.global_args) | set(PREDEFINED_ARGS) | set(build.build_args)
    declared = {w.partition("=")[0] for i in build.dockerfile.instructions if i.keyword == "ARG" for w in i.args}
    for stage in stages(subject, SCOPE):
        words = list(stage.from_instruction.args[:1]) + [f.split("=", 1)[1] for f in stage.from_instruction.flags if "=" in f]
        for word in words:
            for name in VARIABLE.findall(word):
                if name not in known and name not in declared:
                    yield Hit(stage.from_instruction.line, f"FROM uses ${name}, which no ARG before the first FROM defines")
