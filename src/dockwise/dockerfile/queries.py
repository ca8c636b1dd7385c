"""Facts several rules share: image references, the final image's settings, pip installs, servers in CMD."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from dockwise.dockerfile.context import BuildContext
from dockwise.dockerfile.model import Build, Step
from dockwise.dockerfile.parse import Instruction
from dockwise.dockerfile.shell import Command, commands

_TRUE = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class ImageRef:
    """`[registry/]repository[:tag][@digest]` split up; `name` is the last path component of the repository."""

    repository: str
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        return self.repository.rsplit("/", 1)[-1].lower()

    @classmethod
    def parse(cls, reference: str) -> ImageRef:
        reference, _, digest = reference.partition("@")
        last = reference.rsplit("/", 1)[-1]
        tag = None
        if ":" in last:
            tag = last.rsplit(":", 1)[1]
            reference = reference[: len(reference) - len(tag) - 1]
        return cls(reference, tag or None, digest or None)


@dataclass(frozen=True)
class FinalImage:
    """What the target stage's image is configured with, inherited from the stages it is built on."""

    user: Step | None
    cmd: Step | None
    entrypoint: Step | None
    expose: tuple[Step, ...]
    healthcheck: Step | None


def final_image(build: Build) -> FinalImage:
    user = cmd = entrypoint = healthcheck = None
    expose: list[Step] = []
    for step in build.target_steps():
        keyword = step.instruction.keyword
        if keyword == "USER":
            user = step
        elif keyword == "CMD":
            cmd = step
        elif keyword == "ENTRYPOINT":
            entrypoint, cmd = step, None  # BuildKit resets CMD when ENTRYPOINT is set
        elif keyword == "EXPOSE":
            expose.append(step)
        elif keyword == "HEALTHCHECK":
            healthcheck = step
    return FinalImage(user, cmd, entrypoint, tuple(expose), healthcheck)


def command_words(instruction: Instruction) -> tuple[Command, ...]:
    """The commands a CMD/ENTRYPOINT/RUN/HEALTHCHECK runs."""
    if instruction.keyword == "HEALTHCHECK":
        if len(instruction.args) < 2:
            return ()
        inner = Instruction("RUN", "RUN", (), instruction.args[1:], instruction.json, (), instruction.line,
                            instruction.end_line, instruction.column, instruction.original)
        return commands(inner)
    return commands(instruction)


def truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in _TRUE


def is_pip_install(command: Command) -> bool:
    argv = command.argv
    if not argv:
        return False
    program = posixpath.basename(argv[0])
    if re.fullmatch(r"pip[0-9.]*", program):
        rest = argv[1:]
    elif re.fullmatch(r"python[0-9.]*", program) and len(argv) >= 3 and argv[1] == "-m" and argv[2] == "pip":
        rest = argv[3:]
    else:
        return False
    words = [w for w in rest if not w.startswith("-")]
    return bool(words) and words[0] == "install"


def pip_installs(step: Step) -> list[Command]:
    run = step.run
    return [c for c in commands(run) if is_pip_install(c)] if run else []


def cache_mount_targets(instruction: Instruction) -> list[str]:
    """Targets of `--mount=type=cache` and `type=tmpfs` mounts (their content never lands in a layer)."""
    targets = []
    for mount in instruction.flag_values("mount"):
        options = dict(part.partition("=")[::2] for part in mount.split(","))
        if options.get("type") in ("cache", "tmpfs"):
            target = options.get("target") or options.get("dst") or options.get("destination")
            if target:
                targets.append(target)
    return targets


SERVERS = frozenset({"gunicorn", "uvicorn", "hypercorn", "daphne", "granian", "waitress-serve", "uwsgi", "nginx",
                     "httpd", "caddy", "node", "npm", "flask", "fastapi", "streamlit", "java", "php-fpm", "bundle",
                     "rails", "puma"})


_SERVES = re.compile(r"\.run\(|serve(_forever)?\(|HTTPServer|uvicorn\.run|web\.run_app|\.listen\(")


def runs_server(instruction: Instruction, context: BuildContext | None) -> bool:
    """Whether a CMD/ENTRYPOINT looks like it starts a network service.

    A server program (gunicorn, uvicorn, nginx...) counts; `python script.py` only when the context holds the
    script and it serves (app.run, serve_forever, uvicorn.run...), so batch jobs are not taken for services.
    """
    for command in command_words(instruction):
        argv = command.argv
        if not argv:
            continue
        program = posixpath.basename(argv[0])
        if program in SERVERS:
            return True
        joined = " ".join(argv)
        if re.search(r"\b(runserver|http\.server|-m (gunicorn|uvicorn|hypercorn|waitress|flask|granian))\b", joined):
            return True
        scripts = [a for a in argv[1:] if a.endswith(".py")]
        if re.fullmatch(r"python[0-9.]*", program) and scripts and context is not None:
            if _script_serves(context, scripts[0]):
                return True
    return False


def _script_serves(context: BuildContext, script: str) -> bool:
    return bool(_SERVES.search(script_text(context, script) or ""))


def script_text(context: BuildContext, script: str) -> str | None:
    """The text of a file the image runs, found in the context by path or, failing that, by name (first 200 kB)."""
    found = context.find(script)
    return context.read_text(found) if found else None


def is_python_image(build: Build) -> bool:
    """The final image runs Python: a python base, or python in CMD/ENTRYPOINT/RUN."""
    if build.target is None:
        return False
    base = build.external_base(build.target).lower()
    if "python" in base:
        return True
    final = final_image(build)
    for step in (final.cmd, final.entrypoint):
        if step and any(re.match(r"python[0-9.]*$|gunicorn|uvicorn|flask", c.program) for c in command_words(step.instruction)):
            return True
    return False


def option_value(argv: tuple[str, ...], *names: str) -> list[str]:
    """Values of `-r file`, `-rfile`, `--requirement file`, `--requirement=file`."""
    values = []
    for i, word in enumerate(argv):
        for name in names:
            if word == name and i + 1 < len(argv):
                values.append(argv[i + 1])
            elif name.startswith("--") and word.startswith(name + "="):
                values.append(word[len(name) + 1 :])
            elif len(name) == 2 and not name.startswith("--") and word.startswith(name) and len(word) > 2 and not word.startswith("--"):
                values.append(word[2:])
    return values



