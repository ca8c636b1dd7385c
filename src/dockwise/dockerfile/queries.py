"""Facts several rules share: image references, the final image's settings, pip installs, servers in CMD."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from dockwise.core.devserver import dev_server_reason, python_script
from dockwise.dockerfile.context import BuildContext
from dockwise.dockerfile.model import Build, Stage, Step
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
    """What the target stage's image runs with; computed once per build (every final-image rule asks)."""
    found = build.memo.get("final_image")
    if found is None:
        found = build.memo["final_image"] = _final_image(build)
    return found  # type: ignore[return-value]


def _final_image(build: Build) -> FinalImage:
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
        inner = Instruction(
            "RUN",
            "RUN",
            (),
            instruction.args[1:],
            instruction.json,
            (),
            instruction.line,
            instruction.end_line,
            instruction.column,
            instruction.original,
        )
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


SERVERS = frozenset(
    {
        "gunicorn",
        "uvicorn",
        "hypercorn",
        "daphne",
        "granian",
        "waitress-serve",
        "uwsgi",
        "nginx",
        "httpd",
        "caddy",
        "node",
        "npm",
        "flask",
        "fastapi",
        "streamlit",
        "java",
        "php-fpm",
        "bundle",
        "rails",
        "puma",
        "named",
        "memcached",
        "redis-server",
        "postgres",
        "mysqld",
        "traefik",
    }
)


_SERVES = re.compile(r"serve(_forever)?\(|HTTPServer|uvicorn\.run|web\.run_app|\.listen\(")


def runs_server(instruction: Instruction, context: BuildContext | None) -> bool:
    """Whether a CMD/ENTRYPOINT looks like it starts a network service.

    A server program (gunicorn, uvicorn, nginx...) counts, and so does a framework's development server (the one
    definition in `dockwise.core.devserver`: `flask run`, `runserver`, `python app.py` calling `app.run()`);
    other `python script.py` commands only when the context holds the script and it serves (serve_forever,
    uvicorn.run...), so batch jobs are not taken for services.
    """
    read_script = script_reader(context)
    for command in command_words(instruction):
        argv = command.argv
        if not argv:
            continue
        if posixpath.basename(argv[0]) in SERVERS:
            return True
        joined = " ".join(argv)
        if re.search(r"\b(runserver|http\.server|-m (gunicorn|uvicorn|hypercorn|waitress|flask|granian))\b", joined):
            return True
        if dev_server_reason(argv, read_script):
            return True
        script = python_script(argv)
        if script is not None and _SERVES.search(read_script(script) or ""):
            return True
    return False


def script_reader(context: BuildContext | None) -> Callable[[str], str | None]:
    """Reads a script the image runs from the build context (None for every path when there is no context)."""
    if context is None:
        return lambda _script: None
    return lambda script: script_text(context, script)


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
        if step and any(
            re.match(r"python[0-9.]*$|gunicorn|uvicorn|flask", c.program) for c in command_words(step.instruction)
        ):
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
            elif (
                len(name) == 2
                and not name.startswith("--")
                and word.startswith(name)
                and len(word) > 2
                and not word.startswith("--")
            ):
                values.append(word[2:])
    return values


# ---------------------------------------------------------------- what the final image is for

DEV_STAGE = re.compile(r"^(dev|devel|develop|development|devenvs?|dev[-_.]envs?|devcontainer|debug|local)$|^dev[-_.]")
CHECK_STAGE = re.compile(
    r"(^|[-_.])(validate|validation|check|checks|lint|test|tests|verify|outdated|updates?)($|[-_.])"
)
# Images whose default command is a shell or an interpreter's REPL: an app built on one needs its own CMD.
GENERIC_BASES = frozenset(
    {
        "debian",
        "ubuntu",
        "alpine",
        "busybox",
        "fedora",
        "centos",
        "rockylinux",
        "almalinux",
        "amazonlinux",
        "archlinux",
        "opensuse",
        "python",
        "node",
        "ruby",
        "php",
        "perl",
        "golang",
        "openjdk",
        "eclipse-temurin",
        "rust",
        "buildpack-deps",
    }
)
# ENV names with which an image installs a language runtime itself (the official images' style).
RUNTIME_VERSION = re.compile(r"^(PYTHON|NODE|GOLANG|GO|RUST|RUBY|JAVA|JDK|PHP|PERL|ERLANG|ELIXIR|YARN)_VERSION$")


def is_dev_stage(stage: Stage) -> bool:
    """A stage named as a development environment (`dev`, `dev-envs`, `development`, `devcontainer`, `debug`...):
    what a developer runs locally, not the production image."""
    return bool(stage.name and DEV_STAGE.search(stage.name))


def production_target(build: Build) -> Stage | None:
    """The target stage when it is a production image; None for a development stage, for an output-only stage
    (`FROM scratch` that collects files for `--output`, with no command), and for a CI check stage (built FROM an
    earlier stage, named like validate/lint/test/check, adding no command of its own)."""
    if "production_target" not in build.memo:
        build.memo["production_target"] = _production_target(build)
    return build.memo["production_target"]  # type: ignore[return-value]


def _production_target(build: Build) -> Stage | None:
    target = build.target
    if target is None or is_dev_stage(target):
        return None
    final = final_image(build)
    lineage = build.target_lineage
    if lineage[0].is_scratch and final.cmd is None and final.entrypoint is None:
        return None
    own = {step.instruction.keyword for step in target.steps}
    if (
        target.parent is not None
        and target.name
        and CHECK_STAGE.search(target.name)
        and not own & {"CMD", "ENTRYPOINT", "EXPOSE", "USER"}
    ):
        return None
    return target


def runtime_target(build: Build) -> Stage | None:
    """The production target when what it does at run time can be judged: not an environment, i.e. an image with
    no command of its own on a generic base (debian, python, node...), whose own command is a shell or a REPL, so it
    only ever runs with a command given each time (a build or docs tool, a dev server, a compose service)."""
    target = production_target(build)
    final = final_image(build)
    if target is None or (
        final.cmd is None and final.entrypoint is None and is_generic_base(build.external_base(target))
    ):
        return None
    return target


def installed_runtime(build: Build) -> str | None:
    """The language runtime the target's lineage installs itself (`ENV PYTHON_VERSION ...` and friends, the
    official images' style), lower-cased ("python", "node"...), or None."""
    for stage in build.target_lineage:
        for step in stage.steps:
            if step.instruction.keyword == "ENV":
                args = step.instruction.args
                for name in args[0::3]:
                    match = RUNTIME_VERSION.match(name)
                    if match:
                        return match.group(1).lower()
    return None


def is_onbuild_base(build: Build) -> bool:
    """The target lineage defers `ONBUILD` steps: it is a base for other images, which decide how they run."""
    return any(step.deferred for step in build.target_steps())


def is_generic_base(reference: str) -> bool:
    """A base image whose own command is a shell or a REPL (debian, alpine, python, node...)."""
    return ImageRef.parse(reference).name in GENERIC_BASES


# ---------------------------------------------------------------- dropping privileges at run time

# Programs that run their command as another user (`gosu app cmd`, `su-exec`, s6's and runit's, util-linux's).
DROPPERS = frozenset({"gosu", "su-exec", "s6-setuidgid", "s6-applyuidgid", "setuidgid", "runuser", "chpst"})
DROPPER_SCRIPT = re.compile(
    r"\b(gosu|su-exec|s6-setuidgid|s6-applyuidgid|setuidgid|runuser)\s+\S|\bchpst\s+-u\b|\bsetpriv\b[^\n]*--reuid"
    r"|\bchroot\b[^\n]*--userspec"
)
# Servers that start as root and run their workers as another user by themselves: by a flag, or (for the servers
# whose official images configure it) by their configuration file.
USER_FLAGS = {
    "named": ("-u",),
    "memcached": ("-u", "--user"),
    "dnsmasq": ("-u", "--user"),
    "gunicorn": ("-u", "--user"),
    "uwsgi": ("--uid",),
    "mysqld": ("--user",),
    "mariadbd": ("--user",),
    "chronyd": ("-u",),
    "unbound": (),
    "tcpdump": ("-Z",),
}
CONFIGURED_DROP = frozenset(
    {
        "nginx",
        "httpd",
        "apache2",
        "apache2-foreground",
        "httpd-foreground",
        "haproxy",
        "php-fpm",
        "openresty",
        "squid",
        "postfix",
    }
)


def privilege_drop(build: Build, context: BuildContext | None) -> str | None:
    """How the final image leaves root at run time although its USER is root, or None: a dropper in the
    command (`gosu`, `su-exec`, `s6-setuidgid`, `setpriv --reuid`, `chroot --userspec`...), one in the entrypoint
    script the build copies from the context, a server's own user flag (`named -u bind`), a server that drops
    by its configuration (nginx, httpd), or an s6-overlay image whose service scripts drop."""
    final = final_image(build)
    commands_run = [c for step in (final.entrypoint, final.cmd) if step for c in command_words(step.instruction)]
    for command in commands_run:
        dropper = next((posixpath.basename(w) for w in command.words if posixpath.basename(w) in DROPPERS), None)
        if dropper:  # `argv` steps over gosu and su-exec as wrappers: look at the words
            return f"`{dropper}` in {'ENTRYPOINT' if final.entrypoint else 'CMD'}"
    words = [c.argv for c in commands_run]
    for argv in words:
        if not argv:
            continue
        program = posixpath.basename(argv[0])
        if program == "init" and argv[0].startswith("/"):
            return "s6-overlay's /init, whose services drop privileges with s6-setuidgid"
        if program == "setpriv" and any(w.startswith("--reuid") for w in argv):
            return "`setpriv --reuid`"
        if program == "chroot" and any(w.startswith("--userspec") for w in argv):
            return "`chroot --userspec`"
        if program == "su" and "-c" in argv:
            return "`su -c`"
        flags = USER_FLAGS.get(program)
        if flags and any(
            w in flags or any(w.startswith(f + "=") for f in flags if f.startswith("--")) for w in argv[1:]
        ):
            return f"`{program}`'s own user option"
        if program in CONFIGURED_DROP:
            return f"{program}, which runs its workers as the user its configuration names"
    if build.target is not None and not words:
        base = ImageRef.parse(build.external_base(build.target)).name
        if base in CONFIGURED_DROP:
            return f"{base} (inherited command), which runs its workers as the user its configuration names"
    scripts = [f for argv in words if (f := _file_run(argv))]
    if context is not None:
        script = _dropping_script(build, context, scripts)
        if script:
            return f"the entrypoint script {script}"
    return _installed_step_down(build, context, final)


# Tools an entrypoint script runs the service with once its root work is done; installed in the final image beside
# an ENTRYPOINT script, they are there for that (postgres, redis, synapse...), whether or not the script is at hand.
STEP_DOWN_TOOLS = ("gosu", "su-exec", "setpriv")
_STEP_DOWN_NAMED = re.compile(r"\b(gosu|su-exec|setpriv)\b")
# What runs the script: an init (tini, dumb-init) and a shell (`sh -e /entrypoint.sh`) are stepped over.
_LAUNCHERS = frozenset({"tini", "tini-static", "dumb-init", "catatonit", "sh", "bash", "dash", "ash"})
_SCRIPT_NAME = re.compile(r"\.(sh|bash|py)$|entrypoint|^(docker-)?(start|run|boot)\b")


def _file_run(argv: tuple[str, ...]) -> str | None:
    """The file a command runs: its program, or the script an init or a shell in front of it runs."""
    words = list(argv)
    while words and posixpath.basename(words[0]) in _LAUNCHERS:
        words.pop(0)
        while words and (words[0].startswith("-") or words[0] == "--"):
            words.pop(0)
    return words[0] if words else None


def _entrypoint_script(build: Build, final: FinalImage) -> str | None:
    """The script the ENTRYPOINT runs (`/entrypoint.sh`, `docker-entrypoint.sh`, `/start.py`...), or None when it
    runs a program directly."""
    if final.entrypoint is None:
        return None
    for command in command_words(final.entrypoint.instruction):
        path = _file_run(command.argv)
        if path and _SCRIPT_NAME.search(posixpath.basename(build.expand(path, final.entrypoint.variables))):
            return path
    return None


def step_down_tool(build: Build) -> str | None:
    """A step-down tool the final image's stages put in: installed by a package manager (`apt-get install gosu`,
    `apk add su-exec`), downloaded or moved to a file of its name (`wget -O /usr/local/bin/gosu`), run at build time
    (`gosu nobody true`), or copied in (`COPY --from=tianon/gosu /gosu /usr/local/bin/`)."""
    for stage in build.target_lineage:
        for step in stage.steps:
            instruction = step.instruction
            if instruction.keyword in ("COPY", "ADD"):
                words: list[str] = [build.expand(a, step.variables) for a in instruction.args]
            elif instruction.keyword == "RUN":
                words = [w for c in command_words(instruction) for w in c.words]
            else:
                continue
            for word in words:
                name = posixpath.basename(re.split(r"[=<>~]", word.rstrip("/"), maxsplit=1)[0])
                if name in STEP_DOWN_TOOLS:
                    return name
    return None


def _installed_step_down(build: Build, context: BuildContext | None, final: FinalImage) -> str | None:
    """A step-down tool in the final image beside an ENTRYPOINT script: the script drops privileges with it, unless
    the script is at hand and never names one."""
    script = _entrypoint_script(build, final)
    tool = step_down_tool(build) if script else None
    if script is None or tool is None:
        return None
    if context is not None:
        found = _copied_script(build, context, [script])
        text = context.read_text(found) if found else None
        if text is not None and not _STEP_DOWN_NAMED.search(text):
            return None
    return f"`{tool}` installed in the final image beside the ENTRYPOINT script {script}"


def _copied_files(build: Build, context: BuildContext) -> list[tuple[str, str]]:
    """(context path, file name in the image) of every file the final image's stages COPY/ADD from the context: a
    single file copied to a file path takes that path's name (`COPY docker-entrypoint.sh /entrypoint`)."""
    copied: list[tuple[str, str]] = []
    for stage in build.target_lineage:
        for step in stage.steps:
            instruction = step.instruction
            if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
                continue
            if instruction.heredocs or len(instruction.args) < 2:
                continue
            destination = build.expand(instruction.args[-1], step.variables)
            sources = [build.expand(s, step.variables) for s in instruction.args[:-1]]
            for source in sources:
                selected = context.select(source)
                renamed = len(sources) == 1 and selected == (source.lstrip("./"),) and not destination.endswith("/")
                for path in selected:
                    copied.append((path, posixpath.basename(destination) if renamed else posixpath.basename(path)))
    return copied


def _copied_script(build: Build, context: BuildContext, programs: list[str]) -> str | None:
    """The context file the image runs as one of `programs`, by its name in the image."""
    names = {posixpath.basename(p) for p in programs}
    return next((path for path, name in _copied_files(build, context) if name in names), None)


def _dropping_script(build: Build, context: BuildContext, programs: list[str]) -> str | None:
    """A script the final image runs (its command's program, or the files an s6-overlay image copies) that
    drops privileges."""
    names = {posixpath.basename(p) for p in programs}
    candidates = [
        path
        for path, name in _copied_files(build, context)
        if name in names or "/s6-overlay/" in "/" + path or "/services.d/" in path
    ]
    for path in candidates[:200]:
        text = context.read_text(path)
        if text is not None and DROPPER_SCRIPT.search(text):
            return path
    return None
