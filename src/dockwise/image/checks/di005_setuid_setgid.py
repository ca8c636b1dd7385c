"""Files with the setuid or setgid bit.

They are the usual privilege-escalation path from a non-root user (CIS Docker 4.8). Listed as info like dockle,
since Debian bases ship a few (su, mount, passwd); remove them with
`RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +` or use a base without them.

Anti-pattern::

    FROM scratch
    COPY --chmod=4755 tool /usr/local/bin/tool

Context::

    tool

Best practice::

    FROM scratch
    COPY --chmod=0755 tool /usr/local/bin/tool

Context::

    tool
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.image.checks import sample
from dockwise.image.facts import ImageFacts

ID = "DI005"
NAME = "setuid-setgid"
SEVERITY = Severity.INFO
SCOPE = Scope.IMAGE
FIX = "remove the setuid/setgid bits (chmod a-s) or the files"
REFS = {"cis": "4.8", "dockle": "CIS-DI-0008"}


def check(facts: ImageFacts) -> Iterator[Hit]:
    files = sorted(set(facts.setuid_files) | set(facts.setgid_files))
    if files:
        yield Hit(None, f"{len(files)} setuid/setgid file(s): {sample(files)}")
