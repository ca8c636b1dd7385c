"""`FROM` uses an undefined variable, or one whose missing default leaves an invalid image reference.

The variable is one that no `ARG` before the first `FROM` defines (and no `--build-arg` gives), or an `ARG` without
a default.

It expands to an empty string, so the build fails or picks an unexpected image: `ARG TAG` without a default makes
`FROM alpine:${TAG}` the invalid `alpine:` unless every build passes `--build-arg TAG=...` (BuildKit's
UndefinedArgInFrom and InvalidDefaultArgInFrom checks). Scope: every stage.

Anti-pattern::

    FROM ${BASE}

Best practice::

    ARG BASE=python:3.13-slim
    ARG TAG=3.23
    FROM ${BASE}
    FROM alpine:${TAG}
"""

import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile import reference
from dockwise.dockerfile.model import PREDEFINED_ARGS, with_predefined
from dockwise.dockerfile.rules import Subject, stages

ID = "DW121"
NAME = "undefined-arg-in-from"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "Declare the variable with ARG NAME=default before the first FROM."
REFS = {"buildkit": "UndefinedArgInFrom,InvalidDefaultArgInFrom"}

VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    known = set(build.global_args) | set(PREDEFINED_ARGS) | set(build.build_args)
    declared = {w.partition("=")[0] for i in build.dockerfile.instructions if i.keyword == "ARG" for w in i.args}
    for stage in stages(subject, SCOPE):
        words = list(stage.from_instruction.args[:1]) + [
            f.split("=", 1)[1] for f in stage.from_instruction.flags if "=" in f
        ]
        undefined = False
        for word in words:
            for name in VARIABLE.findall(word):
                if name not in known and name not in declared:
                    undefined = True
                    yield Hit(
                        stage.from_instruction.line, f"FROM uses ${name}, which no ARG before the first FROM defines"
                    )
        written = stage.from_instruction.args[0] if stage.from_instruction.args else ""
        if undefined or "$" not in written or build.stage_named(stage.base) is not None:
            continue
        emptied = build.expand(written, with_predefined(build.global_args), unset_empty=True)
        problem = reference.problem(emptied) if emptied and emptied.lower() != "scratch" else None
        if problem and build.stage_named(emptied) is None:
            yield Hit(stage.from_instruction.line, f"FROM {written} is {emptied!r} without --build-arg: {problem}")
