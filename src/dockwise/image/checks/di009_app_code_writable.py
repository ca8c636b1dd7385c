"""Application files writable by the user the container runs as (non-root images only; root can write anything).

An attacker with code execution can then rewrite the application itself and persist. Files copied without
`--chown` are owned by root and read-only for the app user; writable data belongs on a volume.

Anti-pattern::

    FROM scratch
    COPY etc/passwd /etc/passwd
    WORKDIR /app
    COPY --chown=10001:10001 app.py /app/app.py
    USER 10001

Context::

    etc/passwd: root:x:0:0:root:/root:/sbin/nologin\\napp:x:10001:10001::/nonexistent:/sbin/nologin
    app.py

Best practice::

    FROM scratch
    COPY etc/passwd /etc/passwd
    WORKDIR /app
    COPY app.py /app/app.py
    USER 10001

Context::

    etc/passwd: root:x:0:0:root:/root:/sbin/nologin\\napp:x:10001:10001::/nonexistent:/sbin/nologin
    app.py
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.image.checks import sample
from dockwise.image.facts import ImageFacts

ID = "DI009"
NAME = "app-code-writable"
SEVERITY = Severity.WARNING
SCOPE = Scope.IMAGE
FIX = "COPY without --chown (root-owned, read-only for the app user); write to a volume instead"
REFS = {"cis": "4.1"}


def check(facts: ImageFacts) -> Iterator[Hit]:
    if not facts.user.is_root and facts.app_writable_count:
        yield Hit(
            None,
            f"{facts.app_writable_count} path(s) in {', '.join(facts.app_dirs)} writable by uid "
            f"{facts.user.uid}: {sample(facts.app_writable)}",
        )
