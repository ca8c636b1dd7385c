"""`pip install` leaves its download cache in the final image.

pip keeps every wheel it downloads under `~/.cache/pip`: tens of megabytes in a layer for nothing. Any one of
`--no-cache-dir` (or an abbreviation pip accepts, such as `--no-cache`), `ENV PIP_NO_CACHE_DIR=1` or a BuildKit
cache/tmpfs mount on the cache keeps it out. Scope: the final image — installs in a builder stage that only hands a
venv over are not in the final image and are not flagged.

Anti-pattern::

    FROM python:3.13-slim
    RUN pip install flask==3.1.0

Best practice::

    FROM python:3.13-slim
    RUN --mount=type=cache,target=/root/.cache/pip pip install flask==3.1.0
    RUN pip install --no-cache-dir gunicorn==23.0.0
    RUN pip install --no-cache /wheels/*
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import (
    cache_mount_targets,
    pip_installs,
    truthy,
)
from dockwise.dockerfile.rules import Subject, steps
from dockwise.dockerfile.shell import has_long_option

ID = "DW005"
NAME = "pip-no-cache"
SEVERITY = Severity.WARNING
SCOPE = Scope.FINAL_IMAGE
FIX = "Add --no-cache-dir, set ENV PIP_NO_CACHE_DIR=1, or use RUN --mount=type=cache,target=/root/.cache/pip."
REFS = {"hadolint": "DL3042"}


def check(subject: Subject) -> Iterator[Hit]:
    for step in steps(subject, SCOPE):
        installs = pip_installs(step)
        if not installs:
            continue
        env = step.variables
        if truthy(env.get("PIP_NO_CACHE_DIR")) or env.get("PIP_NO_CACHE_DIR", "").lower() == "off":
            continue
        cache_dir = env.get("PIP_CACHE_DIR", "")
        mounts = cache_mount_targets(step.run) if step.run else []
        if any(
            t.rstrip("/").endswith((".cache", ".cache/pip")) or (cache_dir and t.rstrip("/") == cache_dir.rstrip("/"))
            for t in mounts
        ):
            continue
        for command in installs:
            if not has_long_option(command.argv, "--no-cache-dir", "--no-ca") and "PIP_NO_CACHE_DIR=" not in " ".join(
                command.words
            ):
                yield Hit(step.instruction.line, "pip install keeps its cache in the image")
                break
