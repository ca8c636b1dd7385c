"""Instruction keywords mix upper and lower case, `AS` does not match its `FROM`, or a stage name has capitals.

BuildKit accepts any case but warns (its ConsistentInstructionCasing, FromAsCasing and StageNameCasing checks):
`From golang As builder` reads as a typo, and a stage named `Builder` is `builder` to `COPY --from`. The file's
majority case is the convention; instructions written otherwise are reported. Scope: the file as written.

Anti-pattern::

    From golang:1.26-alpine As Builder
    RUN go version
    FROM alpine:3.23
    copy --from=builder /usr/local/go/VERSION /

Best practice::

    FROM golang:1.26-alpine AS builder
    RUN go version
    FROM alpine:3.23
    COPY --from=builder /usr/local/go/VERSION /
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject

ID = "DW133"
NAME = "instruction-casing"
SEVERITY = Severity.INFO
SCOPE = Scope.FILE
FIX = "Write every instruction keyword (and AS) in the same case, upper case by convention; stage names in lower case."
REFS = {"buildkit": "ConsistentInstructionCasing,FromAsCasing,StageNameCasing"}


def check(subject: Subject) -> Iterator[Hit]:
    instructions = subject.build.dockerfile.instructions
    upper = sum(i.written.isupper() for i in instructions)
    lower = sum(i.written.islower() for i in instructions)
    majority_upper = upper >= lower
    for instruction in instructions:
        written = instruction.written
        consistent = written.isupper() if majority_upper else written.islower()
        if not consistent:
            yield Hit(instruction.line, f"{written} is not in the file's {'upper' if majority_upper else 'lower'} case")
        if instruction.keyword == "FROM" and len(instruction.args) == 3 and instruction.args[1].lower() == "as":
            keyword_as = instruction.args[1]
            if (written.isupper() and keyword_as != "AS") or (written.islower() and keyword_as != "as"):
                yield Hit(instruction.line, f"'{keyword_as}' does not match the case of '{written}'")
            if instruction.args[2] != instruction.args[2].lower():
                yield Hit(instruction.line, f"stage name {instruction.args[2]!r} should be lower case")
