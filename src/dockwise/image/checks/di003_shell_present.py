"""A shell is present in the final filesystem.

Why: a shell is the first tool of an attacker who gets code execution. Info on a standard image; an error on an
image that claims to be distroless (its reference, a tag or a label says so), where it breaks the promise.
Anti-pattern: `FROM python:3.13-slim` labelled "distroless".
Best practice: a distroless base and exec-form CMD/ENTRYPOINT/HEALTHCHECK.
"""

from dockwise.image.checks import emit_present, sample
from dockwise.core.findings import Severity

CODE = "DI003"
NAME = "shell-present"
SEVERITY = Severity.INFO
REFS = {"cis": "4.3"}


def check(facts):
    if facts.shells:
        yield emit_present(facts, CODE, REFS, "shell", sample(facts.shells),
                           "use a distroless base; keep only the interpreter the app needs")
