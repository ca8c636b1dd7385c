"""Written by `dockwise init` beside the app (not app code; `dockwise init --force` writes it again).

The WSGI app that SCRIPT builds only under `if __name__ == "__main__":`, for a production server:
`granian --interface wsgi --factory dockwise_main:app`. `app()` runs the script as `python SCRIPT` does, except
that the call that would start a server (waitress.serve, wsgiref's make_server, werkzeug's run_simple) hands the
app over instead and ends the script there. Once the script builds its app at module level, delete this file and
run `dockwise init --force`.
"""

from __future__ import annotations

import importlib
import runpy
import sys

SCRIPT = "app.py"
# Where a script starts a server: module, function, and the app's position and keyword among its arguments.
SERVERS = (
    ("waitress", "serve", 0, "app"),
    ("wsgiref.simple_server", "make_server", 2, "app"),
    ("werkzeug.serving", "run_simple", 2, "application"),
)


class _HandedOver(BaseException):
    """Raised in place of starting a server, to carry the app out of the script (no `except Exception` in the
    script can swallow it)."""

    def __init__(self, app):
        super().__init__("the script handed over its app")
        self.app = app


def _hand_over(position: int, keyword: str):
    def serve(*args, **kwargs):
        raise _HandedOver(args[position] if len(args) > position else kwargs[keyword])

    return serve


def app():
    replaced = []
    for module_name, function, position, keyword in SERVERS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        replaced.append((module, function, getattr(module, function)))
        setattr(module, function, _hand_over(position, keyword))
    argv, sys.argv = sys.argv, [SCRIPT]
    try:
        runpy.run_path(SCRIPT, run_name="__main__")
    except _HandedOver as handed:
        return handed.app
    finally:
        sys.argv = argv
        for module, function, original in replaced:
            setattr(module, function, original)
    raise RuntimeError(f"{SCRIPT} ran to its end without starting a server")
