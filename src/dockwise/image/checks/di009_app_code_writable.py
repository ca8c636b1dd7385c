"""Application files writable by the user the container runs as (non-root images only; root can write anything).

Why: an attacker with code execution can then rewrite the application itself and persist.
Anti-pattern: `COPY --chown=app:app . /app` followed by `USER app`.
Best practice: files owned by root (the COPY default), read-only for the runtime user; a separate writable volume.
"""

from dockwise.image.checks import emit, sample
from dockwise.core.findings import Severity

CODE = "DI009"
NAME = "app-code-writable"
SEVERITY = Severity.WARNING
REFS = {"cis": "4.1"}


def check(facts):
    if not facts.user.is_root and facts.app_writable_count:
        yield emit(facts, CODE, SEVERITY, REFS,
                   f"{facts.app_writable_count} path(s) in {', '.join(facts.app_dirs)} writable by uid {facts.user.uid}: "
                   f"{sample(facts.app_writable)}",
                   "COPY without --chown (root-owned, read-only for the app user); write to a volume instead")
