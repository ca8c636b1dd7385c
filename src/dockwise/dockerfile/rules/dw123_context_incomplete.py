"""dockwise could not see the whole build context: a directory it cannot read, or more files than it walks.

The secret and junk rules judge what COPY/ADD would send by walking the context; what the walk cannot see they
cannot judge, so the blind spot is reported instead of passed over. An unreadable directory also fails
`docker build` itself (the context cannot be sent). The walk stops after 200,000 entries or 5 seconds, and one lint
run resolves COPY/ADD sources and reads context files within a budget (millions of entries, 32 MiB): past either,
this rule says so.

Anti-pattern (data/ unreadable)::

    FROM python:3.13-slim
    WORKDIR /app
    COPY . .

Context::

    .dockerignore: .git
    app.py
    data/

Best practice::

    FROM python:3.13-slim
    WORKDIR /app
    COPY app.py ./

Context::

    .dockerignore: .git\\ndata/
    app.py

Known limitations::

    A docstring cannot set permissions: the test that runs the anti-pattern makes data/ unreadable and lints as an
    unprivileged user. Root reads every directory, so run as root only the walk's bounds trigger this rule.
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, context_copies

ID = "DW123"
NAME = "context-incomplete"
SEVERITY = Severity.WARNING
SCOPE = Scope.BUILD_CONTEXT
FIX = (
    "Exclude what the build does not need in .dockerignore (or make it readable), so the whole context can be checked."
)
REFS: dict[str, str] = {}


def check(subject: Subject) -> Iterator[Hit]:
    context = subject.context
    if context is None:
        return
    first = next(context_copies(subject), None)
    line = first.instruction.line if first else 1
    if context.unreadable:
        shown = ", ".join(context.unreadable[:3]) + (
            f" (+{len(context.unreadable) - 3} more)" if len(context.unreadable) > 3 else ""
        )
        yield Hit(
            line,
            f"cannot read {shown} in the build context: `docker build` fails and secrets there go unseen",
            severity=Severity.ERROR,
        )
    if context.truncated:
        yield Hit(line, f"{context.truncated}: the files past that were not checked for secrets and junk")
    if context.incomplete:  # spent by the COPY/ADD rules before this one
        yield Hit(
            line,
            "the COPY/ADD sources of this Dockerfile select more files than one lint run checks (or "
            "name more to read): some were not checked for secrets and junk",
        )
