"""A `COPY`/`ADD` puts a secret from the build context into the final image.

`.env` files, private keys, `.git` (with its history and remotes), `.npmrc`/`.pypirc`/`.netrc` and cloud credential
files stay readable in the image layer forever, even if a later `RUN rm` hides them. dockwise resolves each source
against the real context after `.dockerignore`. Templates (`.env.example`, `.env.sample`) are documentation, a
`.pem` holding only certificates is public, and an `.npmrc` without a token or password is configuration: none is
flagged. Scope: the build context as the final image takes it.

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
from dockwise.core.knowledge import CONTENT_BYTES, in_git_dir, is_secret_file, needs_content
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.context import BuildContext
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
        secrets = sorted(
            {_label(f) for f in copy.files(subject.context) if in_git_dir(f) or _secret(subject.context, f)}
        )
        if secrets:
            yield Hit(copy.instruction.line, f"copies secrets into the image: {', '.join(secrets[:4])}")


def _secret(context: BuildContext, path: str) -> bool:
    if not needs_content(path):
        return is_secret_file(path)
    try:
        with (context.root / path).open("rb") as handle:
            return is_secret_file(path, handle.read(CONTENT_BYTES))
    except OSError:
        return is_secret_file(path)


def _label(path: str) -> str:
    return path[: path.index(".git/") + 4] if in_git_dir(path) else path
