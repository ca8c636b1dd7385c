"""The final image serves Python with a development server.

`flask run`, Django's `runserver`, `--reload` and `app.run()` are single-process, unhardened servers meant for a
laptop. When the build context is known, a `python app.py` CMD is checked for an `app.run(` call in that file (the
same test `dockwise init` applies to a Procfile's web command: `dockwise.core.devserver`).
Scope: the final image, not a development stage (`dev-envs`, `development`...), where a dev server is the point.

Anti-pattern::

    FROM python:3.13-slim
    CMD ["flask", "run", "--host=0.0.0.0"]

Best practice::

    FROM python:3.13-slim
    CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
"""

from collections.abc import Iterator

from dockwise.core.devserver import dev_server_reason
from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import command_words, final_image, runtime_target, script_reader
from dockwise.dockerfile.rules import Subject

ID = "DW101"
NAME = "python-dev-server"
SEVERITY = Severity.WARNING
SCOPE = Scope.FINAL_IMAGE
FIX = "Serve with a production WSGI/ASGI server (gunicorn, uvicorn workers, waitress) instead of a dev server."
REFS: dict[str, str] = {}


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    if runtime_target(build) is None:
        return
    final = final_image(build)
    read_script = script_reader(subject.context)
    for step in (final.entrypoint, final.cmd):
        if step is None:
            continue
        for command in command_words(step.instruction):
            reason = dev_server_reason(command.argv, read_script)
            if reason:
                yield Hit(step.instruction.line, reason)
                break
