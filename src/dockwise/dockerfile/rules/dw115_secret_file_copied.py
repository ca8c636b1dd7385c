"""A `COPY`/`ADD` puts a secret from the build context into the final image.

`.env` files, private keys, `.git` (with its history and remotes), `.npmrc`/`.pypirc`/`.netrc` and cloud credential
files stay readable in the image layer forever, even if a later `RUN rm` hides them. dockwise resolves each source
against the real context after `.dockerignore`.

Anti-pattern::

    FROM python:3.13-slim
    WORKDIR /app
    COPY . .

Context::

    .dockerignore: __pycache__
    app.py
    .env
    deploy/id_ed25519

Best practice::

    FROM python:3.13-slim
    WORKDIR /app
    COPY . .

Context::

    .dockerignore: .env\\n**/id_*\\n.git
    app.py
    .env
    deploy/id_ed25519
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.knowledge import in_git_dir, is_secret_file
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject, context_copies

ID = "DW115"
NAME = "secret-file-copied"
SEVERITY = Severity.ERROR
SCOPE = Scope.BUILD_CONTEXT
FIX = "Exclude the file in .dockerignore (and copy only what the app needs); pass secrets with --mount=type=secret."
REFS = {"cis": "4.10", "dockle": "CIS-DI-0010"}



def check(subject: Subject) -> Iterator[Hit]:
    if subject.context is None:
        return
    for copy in context_copies(subject):
        secrets = sorted({_label(f) for f in copy.files(subject.context) if is_secret_file(f) or in_git_dir(f)})
        if secrets:
            yield Hit(copy.instruction.line, f"copies secrets into the image: {', '.join(secrets[:4])}")


def _label(path: str) -> str:
    return path[: path.index(".git/") + 4] if in_git_dir(path) else path
