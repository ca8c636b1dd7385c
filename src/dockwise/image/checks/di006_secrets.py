"""Secrets in the image: credential-like ENV names, key/credential/.env files, private keys found by content.

Why: anything in a layer is readable by whoever can pull the image, even if a later layer deletes it (CIS Docker
4.10).
Anti-pattern: `ENV API_TOKEN=...`, `COPY . .` that takes `.env` along.
Best practice: BuildKit `RUN --mount=type=secret` at build time, runtime secrets from the orchestrator, a .dockerignore.
"""

from dockwise.image.checks import emit, sample
from dockwise.core.findings import Severity

CODE = "DI006"
NAME = "secrets"
SEVERITY = Severity.ERROR
REFS = {"cis": "4.10", "dockle": "CIS-DI-0010", "hadolint": "DL3064", "buildkit": "SecretsUsedInArgOrEnv"}


def check(facts):
    secrets = facts.secrets
    if secrets.env:
        yield emit(facts, CODE, SEVERITY, REFS, f"credential-like ENV name(s): {sample(secrets.env)}",
                   "pass secrets at run time, or use a BuildKit secret mount during the build")
    if secrets.files:
        yield emit(facts, CODE, SEVERITY, REFS, f"secret file(s) in the image: {sample(secrets.files)}",
                   "exclude them with .dockerignore and copy only the files the app needs")
    if secrets.private_keys:
        yield emit(facts, CODE, SEVERITY, REFS, f"private key(s) in the image: {sample(secrets.private_keys)}",
                   "never put private keys in a layer; mount them at run time")
