"""A variable or WORKDIR expands to more than a build can use.

Each `ARG`/`ENV` value reaches every later `RUN` as an environment string, and Linux refuses one over 128 KiB
(MAX_ARG_STRLEN: `argument list too long`); a WORKDIR over 4096 characters (PATH_MAX) cannot be created. Values that
refer to each other twice (`ARG B=${A}${A}`) double at every line, so a handful of lines is enough: dockwise stops
expanding at that bound instead of building gigabytes, and the variable counts as unknown from there on. One lint
run also expands a bounded amount in all (a few million characters); past it, the words left are reported here too.

Anti-pattern::

    FROM python:3.13-slim
    ARG A=aaaaaaaaaaaaaaaa
    ARG B=${A}${A}${A}${A}${A}${A}${A}${A}
    ARG C=${B}${B}${B}${B}${B}${B}${B}${B}
    ARG D=${C}${C}${C}${C}${C}${C}${C}${C}
    ARG E=${D}${D}${D}${D}${D}${D}${D}${D}
    ARG F=${E}${E}${E}${E}${E}${E}${E}${E}

Best practice::

    FROM python:3.13-slim
    ARG A=aaaaaaaaaaaaaaaa
    ARG B=${A}-${A}
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject

ID = "DW136"
NAME = "value-too-long"
SEVERITY = Severity.ERROR
SCOPE = Scope.EVERY_STAGE
FIX = "Keep values short: pass large data as a file (COPY, --mount=type=secret or bind), not as a variable."
REFS: dict[str, str] = {}


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    for overflow in build.overflows:
        yield Hit(overflow.line, overflow.message)
    if build.expander.exhausted and not build.overflows:  # spent by the rules' own expansions
        yield Hit(
            None,
            "the expansions of this Dockerfile pass what one lint run expands: later words were not expanded",
            fix="Refer to long values less often.",
        )
