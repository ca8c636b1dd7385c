"""No HEALTHCHECK in the image config.

Without one the engine cannot tell a hung service from a healthy one (CIS Docker 4.6). Orchestrators that probe on
their own (Kubernetes) make this informational.

Anti-pattern::

    FROM scratch
    COPY healthcheck /app/healthcheck
    CMD ["/app/server"]

Context::

    healthcheck

Best practice::

    FROM scratch
    COPY healthcheck /app/healthcheck
    HEALTHCHECK CMD ["/app/healthcheck"]
    CMD ["/app/server"]

Context::

    healthcheck
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.image.facts import ImageFacts

ID = "DI002"
NAME = "no-healthcheck"
SEVERITY = Severity.INFO
SCOPE = Scope.IMAGE
FIX = "add HEALTHCHECK in exec form, or rely on your orchestrator's probes"
REFS = {"cis": "4.6", "dockle": "CIS-DI-0006", "hadolint": "DL3057"}


def check(facts: ImageFacts) -> Iterator[Hit]:
    test = (facts.healthcheck or {}).get("Test") or []
    if not test or test == ["NONE"]:
        yield Hit(None, "the image defines no HEALTHCHECK")
