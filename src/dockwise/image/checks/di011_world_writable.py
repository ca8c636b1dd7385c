"""World-writable files or directories (sticky directories such as /tmp excepted).

Any user in the container can change them, including a compromised service account. Grant write access to the one
user that needs it, on a dedicated directory or volume.

Anti-pattern::

    FROM scratch
    COPY --chmod=0777 settings.py /app/settings.py

Context::

    settings.py

Best practice::

    FROM scratch
    COPY --chmod=0644 settings.py /app/settings.py

Context::

    settings.py
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.image.checks import sample
from dockwise.image.facts import ImageFacts

ID = "DI011"
NAME = "world-writable"
SEVERITY = Severity.WARNING
SCOPE = Scope.IMAGE
FIX = "remove the o+w bit (chmod o-w)"
REFS: dict[str, str] = {}


def check(facts: ImageFacts) -> Iterator[Hit]:
    if facts.world_writable:
        yield Hit(None, f"{len(facts.world_writable)} world-writable path(s): {sample(facts.world_writable)}")
