"""The cause of a failed `pip install` build step, read from the step's own output, said in one line with the way
out — instead of a bare pip log. Each pattern is a message pip itself prints.

Bad (what the user saw): `building app:standard failed at [builder 4/8] RUN ... pip install ...: exit code: 1`.
Good: `pip could not build uvloop from source (no wheel for this Python, and its source build failed)` with the fix
`pin a release of uvloop that has a wheel for this Python, or run dockwise init --force --python 3.11`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class PipCause:
    cause: str
    fix: str


_NAME = r"([A-Za-z0-9][A-Za-z0-9._-]*)"
_BUILD = (
    re.compile(rf"Failed building wheel for {_NAME}"),
    re.compile(rf"Failed to build (?:installable wheels for some pyproject\.toml based projects \()?{_NAME}"),
    re.compile(
        rf"error: subprocess-exited-with-error.*?(?:Building|Preparing metadata|Getting requirements).*? for {_NAME}"
    ),
    # pip before 23.1 (Debian 12's python3.11 venv) installs an sdist without a pyproject.toml by `setup.py install`.
    re.compile(rf"Running setup\.py install for {_NAME}: finished with status 'error'"),
    re.compile(rf"legacy-install-failure.*?Encountered error while trying to install package\.\s*\S*\s*{_NAME}", re.S),
)
# The interpreter the step built for, as the compiler's include path or a wheel tag names it.
_PYTHON = re.compile(r"(?:include/python|lib/python)3\.(\d+)|cpython-3(\d+)")
_NOT_FOUND = re.compile(rf"No matching distribution found for {_NAME}([^\s]*)")
_CONFLICT = re.compile(r"(?:Cannot install|conflicting dependencies|ResolutionImpossible)")
_HASHES = re.compile(r"THESE PACKAGES DO NOT MATCH THE HASHES")


def pip_cause(output: list[str]) -> PipCause | None:
    """The first cause pip names in a failed step's output, or None when the step was not a pip failure."""
    text = "\n".join(output)
    for pattern in _BUILD:
        if match := pattern.search(text):
            name = match.group(1).rstrip(").,")
            python = _PYTHON.search(text)
            version = f"3.{python.group(1) or python.group(2)}" if python else None
            this = f"Python {version}" if version else "this Python"
            return PipCause(
                f"pip could not build {name} from source (no wheel for {this}, and its source build failed)",
                f"pin a release of {name} that has a wheel for {this} (dockwise init's warnings name one), "
                f"or build on a Python other than {version or 'this one'}: dockwise init --force --python VERSION",
            )
    if match := _NOT_FOUND.search(text):
        return PipCause(
            f"pip found no release of {match.group(1)}{match.group(2)} for this Python and platform",
            "check the name and version on PyPI, or choose another Python: dockwise init --force --python 3.11",
        )
    if _HASHES.search(text):
        return PipCause(
            "a downloaded file does not match the hash the lock records",
            "lock the dependencies again (the lock is stale or was edited by hand)",
        )
    if _CONFLICT.search(text):
        return PipCause(
            "pip found conflicting requirements (two pins of one package, or a pin a dependency excludes)",
            "make the pins agree and lock again; pip's lines above name the two",
        )
    return None
