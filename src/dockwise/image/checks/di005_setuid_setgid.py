"""Files with the setuid or setgid bit.

Why: they are the usual privilege-escalation path from a non-root user (CIS Docker 4.8). Listed as info like dockle,
since Debian bases ship a few (su, mount, passwd).
Anti-pattern: `COPY --chmod=4755 tool /usr/local/bin/tool`.
Best practice: `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +` in the build, or a base without them.
"""

from dockwise.image.checks import emit, sample
from dockwise.core.findings import Severity

CODE = "DI005"
NAME = "setuid-setgid"
SEVERITY = Severity.INFO
REFS = {"cis": "4.8", "dockle": "CIS-DI-0008"}


def check(facts):
    files = sorted(set(facts.setuid_files) | set(facts.setgid_files))
    if files:
        yield emit(facts, CODE, SEVERITY, REFS, f"{len(files)} setuid/setgid file(s): {sample(files)}",
                   "remove the setuid/setgid bits (chmod a-s) or the files")
