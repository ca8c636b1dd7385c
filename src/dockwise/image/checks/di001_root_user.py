"""The image runs as root: no USER, USER root or USER 0.

Why: a process that escapes the application keeps uid 0 in the container (CIS Docker 4.1).
Anti-pattern: no USER instruction in the final stage.
Best practice: `USER 65532` (or a named user that /etc/passwd of the image resolves).
"""

from dockwise.image.checks import emit
from dockwise.core.findings import Severity

CODE = "DI001"
NAME = "runs-as-root"
SEVERITY = Severity.WARNING
REFS = {"cis": "4.1", "dockle": "CIS-DI-0001", "hadolint": "DL3002"}


def check(facts):
    if facts.user.is_root:
        shown = facts.user.configured or "(no USER)"
        yield emit(facts, CODE, SEVERITY, REFS, f"the image runs as root: USER {shown} resolves to uid 0",
                   "add a non-root USER (numeric uid, e.g. USER 65532) to the final stage")
    elif facts.user.uid is None:
        yield emit(facts, CODE, Severity.INFO, REFS,
                   f"USER {facts.user.configured} is not in the image's /etc/passwd; the engine cannot resolve it",
                   "use a numeric uid, or create the user in the image")
