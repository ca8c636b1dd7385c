"""No HEALTHCHECK in the image config.

Why: without one the engine cannot tell a hung service from a healthy one (CIS Docker 4.6). Orchestrators that
probe on their own (Kubernetes) make this informational.
Anti-pattern: an image with no HEALTHCHECK.
Best practice: `HEALTHCHECK CMD ["/app/healthcheck"]` (exec form; works without a shell).
"""

from dockwise.image.checks import emit
from dockwise.core.findings import Severity

CODE = "DI002"
NAME = "no-healthcheck"
SEVERITY = Severity.INFO
REFS = {"cis": "4.6", "dockle": "CIS-DI-0006", "hadolint": "DL3057"}


def check(facts):
    test = (facts.healthcheck or {}).get("Test") or []
    if not test or test == ["NONE"]:
        yield emit(facts, CODE, SEVERITY, REFS, "the image defines no HEALTHCHECK",
                   "add HEALTHCHECK in exec form, or rely on your orchestrator's probes")
