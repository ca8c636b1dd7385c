"""World-writable files or directories (sticky directories such as /tmp excepted).

Why: any user in the container can change them, including a compromised service account.
Anti-pattern: `RUN chmod -R 777 /app`.
Best practice: grant write access to the one user that needs it, on a dedicated directory or volume.
"""

from dockwise.image.checks import emit, sample
from dockwise.core.findings import Severity

CODE = "DI011"
NAME = "world-writable"
SEVERITY = Severity.WARNING
REFS: dict[str, str] = {}


def check(facts):
    if facts.world_writable:
        yield emit(facts, CODE, SEVERITY, REFS,
                   f"{len(facts.world_writable)} world-writable path(s): {sample(facts.world_writable)}",
                   "remove the o+w bit (chmod o-w)")
