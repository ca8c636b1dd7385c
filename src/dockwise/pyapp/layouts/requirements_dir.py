"""A `requirements/` folder and no root requirements.txt: the file for serving, `.txt` or extension-less
(`requirements/production`, as some Django templates name them), its -r includes followed.

Which file: the most specific to serving first (prod, production, main, deploy, base, common); dev and test files
are never chosen. With none of those names, the app must say which (--deps).
"""

from __future__ import annotations

from dockwise.pyapp.layouts import Dependencies, Layout, LayoutContext
from dockwise.pyapp.layouts.requirements_file import from_requirements

LAYOUT = Layout("requirements-dir", ())
SERVING_NAMES = ("prod", "production", "main", "deploy", "base", "common")


def detect(context: LayoutContext) -> Dependencies | None:
    for name in SERVING_NAMES:
        for path in (f"requirements/{name}.txt", f"requirements/{name}"):
            if context.has(path):
                return from_requirements(context.root, [path], chosen=False)
    return None
