"""The grammar each value read from an app must match before it reaches a generated file or a printed command.

An app folder is untrusted input: a file name, a string in `app.py` or a field of pyproject.toml becomes part of a
Dockerfile instruction, a shell command run during the build, a mount option, a YAML value or a command the user
copies. Each value is checked against the grammar of what it is (a Python module path, a distribution name, a
port, a path inside the app) where it is read; what fails is refused with one line naming the file and the fix.
Free text that only explains (comments, the printed summary) goes through `one_line`.

Bad: a module file named `--from=x.py` becomes `COPY --from=x.py app.py ./`; a requirements file named
`r.txt,from=x` adds a mount option; `[project].name = "x\\n# syntax=evil"` puts a frontend on line 1.
Good: `is_file_name("--from=x.py")` is False, so init refuses it; comments hold `one_line(text)`.
"""

from __future__ import annotations

import re
import shlex
from pathlib import PurePosixPath

from packaging.requirements import InvalidRequirement, Requirement

from dockwise.core.errors import printable

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# PEP 508 names (https://packaging.python.org/en/latest/specifications/name-normalization/).
_DISTRIBUTION = re.compile(r"[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]")
# A file or directory name that reads the same in a COPY source, a BuildKit mount option (comma-separated
# key=value), a shell word and a YAML scalar: no leading dash (a flag), no space, quote, `$`, comma, `=`,
# glob character, backslash or control character.
_FILE_NAME = re.compile(r"[A-Za-z0-9_.+@][A-Za-z0-9_.+@-]*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A URL path the health check requests, inside a Python string literal in a JSON array: no quote, backslash,
# `$` (compose interpolates it), space or control character.
_URL_PATH = re.compile(r"/[A-Za-z0-9._~!&()*+,;=:@%/?-]*")
# A Docker image repository name (distribution/reference): lowercase components joined by . _ __ or dashes.
_IMAGE_NAME = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
MAX_PORT = 65535


def is_module_path(value: object) -> bool:
    """`pkg.sub.mod`: ASCII identifiers joined by dots (what `python -c "import ..."` and a server's MODULE:APP
    accept, and safe inside a shell word)."""
    return isinstance(value, str) and all(_IDENTIFIER.fullmatch(part) for part in value.split("."))


def is_attribute(value: object) -> bool:
    return isinstance(value, str) and value.isidentifier() and value.isprintable()


def is_attribute_path(value: object) -> bool:
    """`container.app`: ASCII identifiers joined by dots, what uvicorn and granian follow after MODULE: (gunicorn
    takes one name only)."""
    return is_module_path(value)


def is_distribution_name(value: object) -> bool:
    return isinstance(value, str) and _DISTRIBUTION.fullmatch(value) is not None


def requirement_line(text: str) -> str | None:
    """A PEP 508 requirement naming a released distribution (no URL), in packaging's normal form, printable and
    without backslashes (it becomes one shell-quoted word of a pip command); None when it is not one."""
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return None
    line = str(requirement)
    if requirement.url or not line.isprintable() or "\\" in line or not is_distribution_name(requirement.name):
        return None
    return line


def is_file_name(value: str) -> bool:
    return _FILE_NAME.fullmatch(value) is not None and value not in (".", "..")


def is_app_path(value: str) -> bool:
    """A relative POSIX path inside the app folder whose every component is a safe file name."""
    return bool(value) and not value.startswith("/") and all(is_file_name(part) for part in value.split("/"))


def is_env_name(value: object) -> bool:
    return isinstance(value, str) and _ENV_NAME.fullmatch(value) is not None


def is_url_path(value: object) -> bool:
    return isinstance(value, str) and _URL_PATH.fullmatch(value) is not None


def port_number(text: object) -> int | None:
    """A TCP port from an int or ASCII digits (never `int()` on arbitrary text: '²' and 5000 digits raise); None
    when it is not one."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text if 0 < text <= MAX_PORT else None
    if isinstance(text, str) and re.fullmatch(r"[0-9]{1,5}", text):
        value = int(text)
        return value if 0 < value <= MAX_PORT else None
    return None


def is_absolute_path(path: PurePosixPath) -> bool:
    """An absolute, normalised path whose components are safe file names (it is a shell word, a COPY path and a
    .dockerignore line)."""
    text = str(path)
    return text.startswith("/") and text != "/" and all(is_file_name(part) for part in path.parts[1:])


def image_name(name: str) -> str:
    """A valid image repository name for `name` (a project or folder name): lowercase, other characters as
    dashes; `app` when nothing is left."""
    lowered = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return lowered if _IMAGE_NAME.fullmatch(lowered) else "app"


def one_line(text: str) -> str:
    """Free text from the app for a comment or one line of the summary: control characters, line breaks and
    undecodable bytes become visible escapes, so it can never start a line of its own."""
    return printable(str(text), one_line=True)


def shell_words(argv: list[str] | tuple[str, ...]) -> str:
    """A command as the user would paste it: each word quoted for a POSIX shell, escapes made visible."""
    return one_line(shlex.join(argv))
