"""A shell is present in the final filesystem.

Why: a shell is the first tool of an attacker who gets code execution. Info on a standard image; an error on an
image that claims to be distroless (its reference, a tag or a label says so), where it breaks the promise.
Anti-pattern: `FROM python:3.13-slim` labelled "distroless".
Best practice: a distroless base and exec-form CMD/ENTRYPOINT/HEALTHCHECK.
"""

from dockwise.image.checks import emit, sample
from dockwise.report.findings import Severity

CODE = "DI003"
NAME = "shell-present"
SEVERITY = Severity.INFO
REFS = {"cis": "4.3"}


def check(facts):
    if facts.shells:
        distroless = facts.claims_distroless()
        yield emit(facts, CODE, Severity.ERROR if distroless else SEVERITY, REFS,
                   f"shell present: {sample(facts.shells)}" + (" in an image that claims to be distroless" if distroless else ""),
                   "use a distroless base; keep only the interpreter the app needs")
