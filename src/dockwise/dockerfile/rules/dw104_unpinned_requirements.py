"""Python packages are installed without pinned versions.

`pip install flask` installs whatever is newest today: two builds of one commit differ, and a broken release breaks
the build. Packages named on the command line need `==`; a requirements file in the build context is read and each
line checked, unless pip runs with `--require-hashes` or a constraints file. pip, setuptools and wheel are exempt.
Part of the pinning policy (`pin`, default `["pip"]`: leave `pip` out to turn it off). Scope: every stage.

Anti-pattern::

    FROM python:3.13-slim
    RUN pip install --no-cache-dir flask gunicorn>=23

Best practice::

    FROM python:3.13-slim
    RUN pip install --no-cache-dir flask==3.1.0 gunicorn==23.0.0
"""

import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import option_value, pip_installs
from dockwise.dockerfile.rules import Subject, steps
from dockwise.dockerfile.shell import has_option

ID = "DW104"
NAME = "unpinned-requirements"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "Pin every package with == (best: a lock file installed with --require-hashes)."
REFS = {"hadolint": "DL3013"}

TOOLS = frozenset({"pip", "setuptools", "wheel"})
# pip options whose next word is a value, not a package.
VALUED = frozenset(
    {
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-e",
        "--editable",
        "-t",
        "--target",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "--prefix",
        "--root",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--trusted-host",
        "--cert",
        "--proxy",
        "--timeout",
        "--retries",
        "--log",
        "--cache-dir",
        "--src",
        "--upgrade-strategy",
        "--progress-bar",
        "--only-binary",
        "--no-binary",
        "--config-settings",
        "-C",
        "--report",
        "--python",
        "--exists-action",
    }
)


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    if not subject.settings.pins("pip"):
        return
    for step in steps(subject, SCOPE):
        for command in pip_installs(step):
            argv = command.argv
            if has_option(argv, "--require-hashes", "-c", "--constraint") or step.variables.get("PIP_REQUIRE_HASHES"):
                continue
            loose = _loose_packages(argv)
            for req in option_value(argv, "-r", "--requirement"):
                loose.extend(_loose_in_file(subject, build.expand(req, step.variables), step.workdir))
            if loose:
                yield Hit(step.instruction.line, f"not pinned to a version: {', '.join(loose[:4])}")
                break


def _loose_packages(argv: tuple[str, ...]) -> list[str]:
    words = list(argv)
    start = words.index("install") + 1 if "install" in words else len(words)
    loose, skip = [], False
    for word in words[start:]:
        if skip:
            skip = False
            continue
        if word in VALUED:
            skip = True
            continue
        if word.startswith("-") or word in (".", "..") or "/" in word or word.startswith("$") or "@" in word:
            continue
        if _name(word) in TOOLS:
            continue
        if "==" not in word and "===" not in word and not word.endswith((".whl", ".tar.gz", ".zip")):
            loose.append(word)
    return loose


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[;\s]", requirement, maxsplit=1)[0].lower()


def _loose_in_file(subject: Subject, path: str, workdir: str | None) -> list[str]:
    """Unpinned lines of a requirements file, when the build context holds it (found by its name there)."""
    context = subject.context
    if context is None or "$" in path:
        return []
    found = context.find(path)
    if found is None:
        return []
    text = context.read_text(found)
    if text is None:
        return []
    if "--hash=" in text:
        return []
    loose = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-", "http:", "https:", "git+", "./", "/")) or " @ " in line:
            continue
        if "==" not in line and _name(line) not in TOOLS:
            loose.append(_name(line) + f" ({found})")
    return loose
