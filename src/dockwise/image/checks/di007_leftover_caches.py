"""Leftover caches: pip cache, apt lists and archives, .git directories, __pycache__ in app dirs, other .cache dirs.

Why: they cost bytes and can leak history or source; none is needed at run time.
Anti-pattern: `RUN pip install -r requirements.txt` (keeps ~/.cache/pip); `apt-get update` without removing the lists.
Best practice: `pip install --no-cache-dir` or a BuildKit cache mount; `rm -rf /var/lib/apt/lists/*` in the same RUN.
"""

from dockwise.image.checks import emit
from dockwise.core.findings import Severity

CODE = "DI007"
NAME = "leftover-caches"
SEVERITY = Severity.WARNING
REFS = {"dockle": "DKL-DI-0005,DKL-LI-0003", "hadolint": "DL3042,DL3009"}
FIXES = {
    "pip-cache": "pip install --no-cache-dir, or RUN --mount=type=cache,target=/root/.cache/pip",
    "apt-lists": "rm -rf /var/lib/apt/lists/* in the same RUN as apt-get install",
    "apt-archives": "apt-get clean in the same RUN, or a cache mount on /var/cache/apt",
    "git": "add .git to .dockerignore",
    "pycache-in-app": "add __pycache__/ to .dockerignore; set PYTHONDONTWRITEBYTECODE=1 at build time",
    "other-cache": "clean the cache in the RUN that created it, or use a cache mount",
}


def check(facts):
    for cache in facts.caches:
        yield emit(facts, CODE, SEVERITY, REFS,
                   f"{cache.kind}: {cache.files} file(s), {cache.bytes} bytes left in the image (e.g. {cache.example})",
                   FIXES[cache.kind])
