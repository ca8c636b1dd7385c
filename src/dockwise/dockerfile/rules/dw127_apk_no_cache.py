"""`apk add` leaves the package index in the final image.

Without `--no-cache`, apk keeps the downloaded APKINDEX (a few MB, stale the next day) under `/var/cache/apk`.
`apk add --no-cache` fetches the index, installs and throws it away (`--no-network` fetches nothing); a `rm -rf
/var/cache/apk/*` in the same `RUN`, or a cache mount on `/var/cache/apk`, does the same. Scope: the final image
(a builder stage that is thrown away may keep its cache).

Anti-pattern::

    FROM alpine:3.23
    RUN apk add curl

Best practice::

    FROM alpine:3.23
    RUN apk add --no-cache curl
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import cache_mount_targets
from dockwise.dockerfile.rules import Subject, steps
from dockwise.dockerfile.shell import commands, has_option

ID = "DW127"
NAME = "apk-no-cache"
SEVERITY = Severity.INFO
SCOPE = Scope.FINAL_IMAGE
FIX = "Use `apk add --no-cache ...` (or mount a cache on /var/cache/apk)."
REFS = {"hadolint": "DL3019", "dockle": "DKL-DI-0004"}


def check(subject: Subject) -> Iterator[Hit]:
    for step in steps(subject, SCOPE):
        run = step.run
        if run is None:
            continue
        if any(t.rstrip("/").startswith(("/var/cache/apk", "/etc/apk/cache")) for t in cache_mount_targets(run)):
            continue
        cmds = commands(run)
        if any(c.program == "rm" and any("/var/cache/apk" in w for w in c.argv) for c in cmds):
            continue
        for command in cmds:
            if (
                command.program == "apk"
                and "add" in command.argv
                and not has_option(command.argv, "--no-cache", "--no-network")
            ):
                yield Hit(step.instruction.line, "apk add without --no-cache keeps the package index in the image")
                break
