"""The image runs as root: no USER, USER root or USER 0.

A process that escapes the application keeps uid 0 in the container (CIS Docker 4.1). A USER that the image's own
/etc/passwd cannot resolve is reported as info: the engine cannot start such a container.

Anti-pattern::

    FROM scratch
    COPY etc/passwd /etc/passwd
    COPY app.py /app/app.py

Context::

    etc/passwd: root:x:0:0:root:/root:/sbin/nologin\\napp:x:10001:10001::/nonexistent:/sbin/nologin
    app.py

Best practice::

    FROM scratch
    COPY etc/passwd /etc/passwd
    COPY app.py /app/app.py
    USER 10001

Context::

    etc/passwd: root:x:0:0:root:/root:/sbin/nologin\\napp:x:10001:10001::/nonexistent:/sbin/nologin
    app.py
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.image.facts import ImageFacts

ID = "DI001"
NAME = "runs-as-root"
SEVERITY = Severity.WARNING
SCOPE = Scope.IMAGE
FIX = "add a non-root USER (numeric uid, e.g. USER 65532) to the final stage"
REFS = {"cis": "4.1", "dockle": "CIS-DI-0001", "hadolint": "DL3002"}


def check(facts: ImageFacts) -> Iterator[Hit]:
    if facts.user.is_root:
        shown = facts.user.configured or "(no USER)"
        yield Hit(None, f"the image runs as root: USER {shown} resolves to uid 0")
    elif facts.user.uid is None:
        yield Hit(
            None,
            f"USER {facts.user.configured} is not in the image's /etc/passwd; the engine cannot resolve it",
            fix="use a numeric uid, or create the user in the image",
            severity=Severity.INFO,
        )
