"""`ADD <url>` downloads a file without checking it.

Whatever the server returns today goes into the image. BuildKit verifies `ADD --checksum=sha256:...`; without it a
compromised or changed download is silently accepted. Git sources (`https://host/repo.git#ref`, `git@host:repo`,
`git://`) are not downloads: they are pinned by their ref, and `--checksum` does not apply. Scope: every stage.

Anti-pattern::

    FROM debian:trixie-slim
    ADD https://example.com/tool.tar.gz /opt/

Best practice::

    FROM debian:trixie-slim
    ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tar.gz /opt/
"""

import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, steps

ID = "DW106"
NAME = "add-url-checksum"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "Add --checksum=sha256:<digest> to ADD (or download and verify in RUN)."
REFS = {"cis": "4.11"}

# BuildKit's git source detection: a URL whose path ends in .git (before any #ref), or a known git host form.
GIT_URL = re.compile(
    r"\.git(#|$|/?\?)|^git@|^git://|^https?://(github\.com|gitlab\.com|bitbucket\.org)/[^/]+/[^/#]+#", re.IGNORECASE
)


def check(subject: Subject) -> Iterator[Hit]:
    for step in steps(subject, SCOPE):
        instruction = step.instruction
        if instruction.keyword != "ADD" or instruction.flag("checksum"):
            continue
        urls = [s for s in instruction.args[:-1] if re.match(r"^https?://", s, re.IGNORECASE) and not GIT_URL.search(s)]
        if urls:
            yield Hit(instruction.line, f"ADD {urls[0]} without --checksum")
