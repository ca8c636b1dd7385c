"""The final image serves Python with a development server.

`flask run`, Django's `runserver`, `--reload` and `app.run()` are single-process, unhardened servers meant for a
laptop. When the build context is known, a `python app.py` CMD is checked for an `app.run(` call in that file.
Scope: the final image, not a development stage (`dev-envs`, `development`...), where a dev server is the point.

Anti-pattern::

    FROM python:3.13-slim
    CMD ["flask", "run", "--host=0.0.0.0"]

Best practice::

    FROM python:3.13-slim
    CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
"""

import posixpath
import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import command_words, final_image, runtime_target, script_text
from dockwise.dockerfile.rules import Subject

ID = "DW101"
NAME = "python-dev-server"
SEVERITY = Severity.WARNING
SCOPE = Scope.FINAL_IMAGE
FIX = "Serve with a production WSGI/ASGI server (gunicorn, uvicorn workers, waitress) instead of a dev server."
REFS: dict[str, str] = {}

APP_RUN = re.compile(r"^\s*\w+\.run\(", re.MULTILINE)


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    if runtime_target(build) is None:
        return
    final = final_image(build)
    for step in (final.entrypoint, final.cmd):
        if step is None:
            continue
        for command in command_words(step.instruction):
            reason = _dev_server(command.argv, subject)
            if reason:
                yield Hit(step.instruction.line, reason)
                break


def _dev_server(argv: tuple[str, ...], subject: Subject) -> str | None:
    if not argv:
        return None
    program = posixpath.basename(argv[0])
    words = list(argv[1:])
    if program == "flask" or (re.fullmatch(r"python[0-9.]*", program) and words[:2] == ["-m", "flask"]):
        if "run" in words:
            return "`flask run` is Flask's development server"
    if "runserver" in words:
        return "`manage.py runserver` is Django's development server"
    if "--reload" in words:
        return f"`{program} --reload` is a development mode"
    if re.fullmatch(r"python[0-9.]*", program) and words and words[0].endswith(".py") and subject.context is not None:
        if APP_RUN.search(script_text(subject.context, words[0]) or ""):
            return f"`python {words[0]}` calls app.run(), the framework's development server"
    return None
