"""Leftover caches: pip cache, apt lists and archives, .git directories, __pycache__ in app dirs, other .cache dirs.

They cost bytes and can leak history or source; none is needed at run time. Bytecode the image's own Python
compiled at build time (`python -m compileall`, for a faster start) is kept on purpose and not counted.

Anti-pattern::

    FROM scratch
    COPY flask.whl /root/.cache/pip/wheels/flask.whl

Context::

    flask.whl: wheel

Best practice::

    FROM scratch
    COPY app.py /app/app.py

Context::

    app.py
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.image.facts import ImageFacts

ID = "DI007"
NAME = "leftover-caches"
SEVERITY = Severity.WARNING
SCOPE = Scope.IMAGE
FIX = "clean the cache in the RUN that created it, or use a cache mount"
REFS = {"dockle": "DKL-DI-0005,DKL-LI-0003", "hadolint": "DL3042,DL3009"}
FIXES = {
    "pip-cache": "pip install --no-cache-dir, or RUN --mount=type=cache,target=/root/.cache/pip",
    "apt-lists": "rm -rf /var/lib/apt/lists/* in the same RUN as apt-get install",
    "apt-archives": "apt-get clean in the same RUN, or a cache mount on /var/cache/apt",
    "git": "add .git to .dockerignore",
    "pycache-in-app": "add __pycache__/ to .dockerignore; set PYTHONDONTWRITEBYTECODE=1 at build time",
    "other-cache": FIX,
}


def check(facts: ImageFacts) -> Iterator[Hit]:
    for cache in facts.caches:
        yield Hit(
            None,
            f"{cache.kind}: {cache.files} file(s), {cache.bytes} bytes left in the image (e.g. {cache.example})",
            fix=FIXES[cache.kind],
        )
