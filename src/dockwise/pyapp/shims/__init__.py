"""Modules dockwise writes beside an app: its own code, verbatim but for one validated value, never app code."""

from __future__ import annotations

from importlib.resources import files

from dockwise.pyapp.grammar import is_app_path

MAIN_MODULE = "dockwise_main"
_SCRIPT_LINE = 'SCRIPT = "app.py"\n'


def main_shim(script: str) -> str:
    """dockwise_main.py for the app `script` builds under `if __name__ == "__main__":` (a path inside the app
    folder, checked here: its characters need no escape in a Python string literal, so it is written as it is, in
    the double quotes a formatter keeps)."""
    if not (is_app_path(script) and script.endswith(".py")):
        raise ValueError(f"not a script of the app: {script!r}")
    source = (files(__name__) / f"{MAIN_MODULE}.py").read_text(encoding="utf-8")
    return source.replace(_SCRIPT_LINE, f'SCRIPT = "{script}"\n', 1)
