"""A secret goes into `ARG` or `ENV`.

ENV values are stored in the image config, and ARG values passed with `--build-arg` in its history: anyone who can
pull the image can read them. Pass secrets with `RUN --mount=type=secret` instead. Names are matched the way
BuildKit's SecretsUsedInArgOrEnv check does (a `_`-separated word such as PASSWORD, TOKEN, SECRET, KEY), and values
that look like private keys or cloud credentials are flagged whatever their name.

Anti-pattern::

    FROM python:3.13-slim
    ARG GITHUB_TOKEN
    ENV DB_PASSWORD=hunter2

Best practice::

    FROM python:3.13-slim
    RUN --mount=type=secret,id=github_token GITHUB_TOKEN=$(cat /run/secrets/github_token) ./fetch.sh
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.knowledge import SECRET_VALUE, is_secret_name
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.rules import Subject

ID = "DW105"
NAME = "secret-in-arg-env"
SEVERITY = Severity.ERROR
SCOPE = Scope.FILE
FIX = "Pass the secret at build time with RUN --mount=type=secret,id=NAME and at run time from the environment."
REFS = {"hadolint": "DL3064", "buildkit": "SecretsUsedInArgOrEnv", "cis": "4.10", "dockle": "CIS-DI-0010"}


def check(subject: Subject) -> Iterator[Hit]:
    for instruction in subject.build.dockerfile.instructions:
        for name, value in _pairs(instruction):
            if is_secret_name(name):
                yield Hit(
                    instruction.line, f"{instruction.keyword} {name} looks like a secret; it is readable in the image"
                )
            elif value and SECRET_VALUE.search(value):
                yield Hit(instruction.line, f"{instruction.keyword} {name} holds what looks like a credential")


def _pairs(instruction) -> list[tuple[str, str]]:
    if instruction.keyword == "ENV":
        args = instruction.args
        return [(args[i], args[i + 1]) for i in range(0, len(args) - 2, 3)]
    if instruction.keyword == "ARG":
        return [tuple(word.partition("=")[::2]) for word in instruction.args]
    return []
