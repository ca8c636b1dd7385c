"""A package manager (apt, dpkg, apk, dnf, pip) is present in the final filesystem.

Why: it lets anyone with code execution install tools, and it is dead weight at run time (CIS Docker 4.3).
Info on a standard image; an error on an image that claims to be distroless.
Anti-pattern: the runtime stage inherits pip and apt from the build stage's base.
Best practice: install in a build stage, copy the result into a distroless runtime stage.
"""

from dockwise.image.checks import emit_present
from dockwise.core.findings import Severity

CODE = "DI004"
NAME = "package-manager-present"
SEVERITY = Severity.INFO
REFS = {"cis": "4.3"}


def check(facts):
    if facts.package_managers:
        yield emit_present(facts, CODE, REFS, "package manager", ', '.join(facts.package_managers),
                           "install dependencies in a build stage and copy only their result")
