"""Secrets in the image: credential-like ENV names, key/credential/.env files, private keys found by content.

Anything in a layer is readable by whoever can pull the image, even if a later layer deletes it (CIS Docker 4.10).
Names are judged by `dockwise.core.knowledge`, the same definition `dockwise lint` uses for what a COPY would send.
Files that installed packages own (CA bundles, site-packages) are not the builder's secrets and are not listed.

Anti-pattern::

    FROM scratch
    ENV API_TOKEN=abc123
    COPY .env /app/.env

Context::

    .env: DB_PASSWORD=hunter2

Best practice::

    FROM scratch
    ENV APP_MODE=production
    COPY app.py /app/app.py

Context::

    app.py
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.image.checks import sample
from dockwise.image.facts import ImageFacts

ID = "DI006"
NAME = "secrets"
SEVERITY = Severity.ERROR
SCOPE = Scope.IMAGE
FIX = "pass secrets at run time, or use a BuildKit secret mount during the build"
REFS = {"cis": "4.10", "dockle": "CIS-DI-0010", "hadolint": "DL3064", "buildkit": "SecretsUsedInArgOrEnv"}


def check(facts: ImageFacts) -> Iterator[Hit]:
    secrets = facts.secrets
    if secrets.env:
        yield Hit(None, f"credential-like ENV name(s): {sample(secrets.env)}")
    if secrets.files:
        yield Hit(
            None,
            f"secret file(s) in the image: {sample(secrets.files)}",
            fix="exclude them with .dockerignore and copy only the files the app needs",
        )
    if secrets.private_keys:
        yield Hit(
            None,
            f"private key(s) in the image: {sample(secrets.private_keys)}",
            fix="never put private keys in a layer; mount them at run time",
        )
