"""What a Python framework's development server looks like in a command: one definition for `init` (a Procfile's
web command, `--cmd`) and `lint` (DW101 names it, DW008 counts it as a service), so the two never disagree.

`flask run` (or `python -m flask run`), Django's `runserver`, any `--reload`, and `python script.py` where the
script calls `app.run(...)` (Flask, Bottle, Flask-SocketIO...) or Dash's `app.run_server(...)` at the start of a line.
`asyncio.run(...)`, `subprocess.run(...)` and `uvicorn.run(...)` (a production server) are not development servers,
nor aiohttp's `web.run_app(...)` or Tornado's `listen(...)`, the frameworks' own production servers, which `init`
runs when the app serves itself (`pyapp/selfserve.py`). Sanic's `app.run()` reads as a development server here:
`init` serves Sanic apps over ASGI instead.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence

PYTHON = re.compile(r"python[0-9.]*")
APP_RUN = re.compile(
    r"^[ \t]*(?!(?:asyncio|subprocess|trio|anyio|uvicorn|hypercorn|granian)\.)\w+\.run(?:_server)?\(", re.MULTILINE
)
"""A call of a framework's own server on a line of its own (not in a comment, not a batch job's `asyncio.run`)."""


def python_script(argv: Sequence[str]) -> str | None:
    """The `.py` file a `python [options] script.py ...` command runs, or None (`-m module`, `-c code`, no script)."""
    if not argv or not PYTHON.fullmatch(posixpath.basename(argv[0])):
        return None
    words = iter(argv[1:])
    for word in words:
        if word in ("-m", "-c", "-"):
            return None
        if word in ("-X", "-W"):  # options that take a value
            next(words, None)
        elif not word.startswith("-"):
            return word if word.endswith(".py") else None
    return None


def dev_server_reason(argv: Sequence[str], read_script: Callable[[str], str | None]) -> str | None:
    """Why a command starts a framework's development server, or None.

    `read_script(path)` returns the text of the script a `python script.py` command runs (the path as the command
    names it), or None when it is not at hand: then only the command's own words decide.
    """
    if not argv:
        return None
    program = posixpath.basename(argv[0])
    words = list(argv[1:])
    if (program == "flask" or (PYTHON.fullmatch(program) and words[:2] == ["-m", "flask"])) and "run" in words:
        return "`flask run` is Flask's development server"
    if "runserver" in words:
        return "`manage.py runserver` is Django's development server"
    if "--reload" in words:
        return f"`{program} --reload` is a development mode"
    script = python_script(argv)
    if script is not None and APP_RUN.search(read_script(script) or ""):
        return f"`python {script}` calls app.run(), the framework's development server"
    return None
