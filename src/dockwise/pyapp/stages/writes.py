"""Stage 5: what the app writes (each path a link into the one data volume), Django's build-time steps, and the
setup step with how often it runs."""

from __future__ import annotations

import posixpath
import shlex
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.destroys import destroys, destroys_command
from dockwise.pyapp.django import DjangoProject
from dockwise.pyapp.entry import (
    Candidate,
)
from dockwise.pyapp.grammar import (
    is_absolute_path,
    is_env_name,
    shell_words,
)
from dockwise.pyapp.runtime import (
    DATA_DIR,
    TMPFS_DIR,
    SetupStep,
    WritablePath,
    config_file_writes,
    console_script_steps,
    flask_cli_steps,
    how_often,
    in_image,
    readme_steps,
    script_steps,
    site_packages,
    writable_paths,
    writable_place,
)
from dockwise.pyapp.scan import (
    is_app_file,
)
from dockwise.pyapp.stages.copies import CONFIG_SUFFIXES, named_config_files
from dockwise.pyapp.stages.flags import split_flag
from dockwise.pyapp.stages.install import Install
from dockwise.pyapp.stages.log import Decision, Log
from dockwise.pyapp.stages.serve import Serving
from dockwise.pyapp.stages.source import Source
from dockwise.service.setup_once import SetupScope

if TYPE_CHECKING:
    from dockwise.pyapp.detect import InitOptions


@dataclass(frozen=True)
class Writes:
    """What the app writes (each path a link into /data), Django's build-time steps, and the setup step."""

    writable: list[WritablePath]
    collectstatic: bool
    django_settings: str | None
    build_env: tuple[str, ...]  # variables the settings need to import at build time (dummies)
    setup: tuple[str, ...]
    setup_scope: SetupScope
    suggestions: list[SetupStep]


def plan_writes(source: Source, install: Install, serving: Serving, options: InitOptions, log: Log) -> Writes:
    root, files, modules = source.root, source.files, source.modules
    project, django = install.project, serving.django
    writable = writable_paths(
        serving.candidate, modules, site_packages(install.python.version) if install.packaged else None
    )
    # The config files the code names, and the one the command names (PasteDeploy's .ini), hold SQLite URLs too.
    configs = [] if install.packaged else named_config_files(root, files, modules)
    configs += [w for w in serving.argv if w.endswith(CONFIG_SUFFIXES) and w not in configs and is_app_file(root, w)]
    writable += config_file_writes(root, configs)
    collectstatic, settings = False, None
    build_env: tuple[str, ...] = ()
    if django is not None:
        settings = django.settings_module
        writable += _django_writable(django)
        collectstatic, build_env = _django_steps(django, log)
    writable, on_tmpfs = _placed(writable)
    log.notes += [
        f"{path.evidence.where()}: {path.path} is on the container's in-memory {TMPFS_DIR} (writable, emptied at "
        "every start; the app must create it)"
        for path in on_tmpfs
    ]
    for path in writable:
        log.decisions.append(
            Decision("writable", f"{path.path} -> {data_target(path)}", f"{path.evidence} ({path.why})", path.evidence)
        )
    # A console script is on PATH only when the project is installed.
    scripts = project.scripts if project is not None and project.packaged else ()
    suggestions = _setup_suggestions(root, files, serving.candidate, modules, django, serving.procfile, scripts)
    setup: tuple[str, ...] = ()
    setup_scope: SetupScope = "release"
    if options.setup:
        setup = tuple(split_flag("--setup", options.setup))
        if not setup:
            raise DockwiseError(
                "--setup is empty", "pass the command, e.g. --setup 'flask --app app init-db'", exit_code=EXIT_USAGE
            )
        destruction = destroys(setup, root, files, modules, scripts)
        setup_scope = "volume" if destruction else "release"
        log.decisions.append(Decision("setup", shell_words(setup), f"--setup: {how_often(setup_scope, destruction)}"))
        if destruction and not writable:
            log.warnings.append(
                f"--setup {shell_words(setup)}: {destruction}, and the app writes nowhere dockwise found, so there is "
                "no data volume to record that it ran: the one-shot container refuses to run it"
            )
    for step in suggestions:
        if not setup:
            log.todo.append(
                f"set the app up: `{step.command}` ({step.why}, {step.evidence.where()}); to have it run once per "
                + ("data volume, ever (" + str(step.destroys) + ")" if step.destroys else "release and data volume")
                + f": dockwise init --force --setup {shlex.quote(step.command)}"
            )
    if writable:
        log.todo.append(
            "mount a volume at /data for what the app writes (compose.yaml does); without one, data lasts as "
            "long as the container, and a read-only container cannot write at all"
        )
    return Writes(writable, collectstatic, settings, build_env, setup, setup_scope, suggestions)


def _django_steps(django: DjangoProject, log: Log) -> tuple[bool, tuple[str, ...]]:
    """Django's settings module, collectstatic at build time when STATIC_ROOT is set (with the variables its
    settings need then), and the variables to set at run time."""
    collectstatic = False
    build_env: tuple[str, ...] = ()
    log.decisions.append(
        Decision("django settings", django.settings_module, str(django.settings_evidence), django.settings_evidence)
    )
    for alternative in django.settings_alternatives:
        log.todo.append(
            f"{django.settings_evidence.where()} can also pick {alternative}: set "
            f"DJANGO_SETTINGS_MODULE={alternative} at run time to use it"
        )
    if django.static_root is not None:
        collectstatic = True
        build_env = tuple(sorted({name for name, _ in django.required_env}))
        log.decisions.append(
            Decision(
                "static files",
                f"collectstatic at build time into {in_image(django.static_root)}",
                str(django.static_evidence),
                django.static_evidence,
            )
        )
    else:
        log.todo.append(
            "Django's STATIC_ROOT is not set, so no collectstatic runs and the server serves no static "
            "files: set STATIC_ROOT and serve them (e.g. whitenoise)"
        )
    for name, evidence in django.required_env:
        if not is_env_name(name):
            raise DockwiseError(
                f"{evidence.where()} reads the environment variable {name!r}, which no shell can set",
                "name it with letters, digits and _",
                exit_code=EXIT_USAGE,
            )
        log.todo.append(f"set {name} at run time ({evidence.where()} reads os.environ[{name!r}])")
    return collectstatic, build_env


def _django_writable(django) -> list[WritablePath]:
    found = [
        WritablePath(in_image(path), False, evidence, "Django's SQLite database")
        for path, evidence in django.sqlite_files
    ]
    if django.media_root is not None and str(django.media_root) != "?":
        found.append(
            WritablePath(in_image(django.media_root), True, django.media_evidence, "Django's MEDIA_ROOT (uploads)")
        )
    return found


def _placed(found: list[WritablePath]) -> tuple[list[WritablePath], list[WritablePath]]:
    """The write paths the image makes (normalised, checked), and those on the container's tmpfs. A path whose
    name cannot be a shell word or a COPY path, or that would replace a system directory, is refused."""
    placed: list[WritablePath] = []
    on_tmpfs: list[WritablePath] = []
    for path in found:
        normal = PurePosixPath(posixpath.normpath(str(path.path)))
        where = path.evidence.where()
        if not is_absolute_path(normal):
            raise DockwiseError(
                f"{where}: the write path {str(path.path)!r} cannot be used in a Dockerfile safely (a space, quote, "
                "$, comma, = or control character)",
                "name it with letters, digits and . _ -",
                exit_code=EXIT_USAGE,
            )
        if normal.is_relative_to(TMPFS_DIR):
            on_tmpfs.append(path)
            continue
        if any(p.path == normal for p in placed):
            continue  # found twice (a settings URL and DATABASES): one link
        if not writable_place(normal):
            raise DockwiseError(
                f"{where}: the app writes to {normal}, which the image cannot turn into a link to its data volume "
                "(a directory of the base image, or one at the top of the filesystem)",
                "write under the app folder or a new directory such as /srv/NAME",
                exit_code=EXIT_USAGE,
            )
        placed.append(replace(path, path=normal))
    return placed, on_tmpfs


def data_target(path: WritablePath) -> str:
    """Where a writable path really lives: one volume, /data, with a symlink from where the app writes (a path
    already under /data stays where it is)."""
    return path.path.as_posix() if path.path.is_relative_to(DATA_DIR) else f"/data/{path.path.name}"


def _flask_app_named(argv: tuple[str, ...], candidate: Candidate | None) -> tuple[str, ...]:
    """`flask db upgrade` finds its app through FLASK_APP or .flaskenv, which the image does not carry: name the app
    the server runs (`flask --app microblog db upgrade`)."""
    if argv[:1] != ("flask",) or "--app" in argv or "-A" in argv or candidate is None or candidate.framework != "flask":
        return argv
    return ("flask", "--app", candidate.module, *argv[1:])


def _setup_suggestions(root, files, candidate, modules, django, procfile, scripts) -> list[SetupStep]:
    steps: list[SetupStep] = []
    if procfile and procfile.release:
        steps.append(
            SetupStep(" ".join(procfile.release.argv), procfile.release.evidence, "the Procfile's release step")
        )
    if procfile and procfile.web:
        steps += [
            SetupStep(
                " ".join(_flask_app_named(before, candidate)),
                procfile.web.evidence,
                "the Procfile runs it before the server",
            )
            for before in procfile.web.before
        ]
    steps += flask_cli_steps(candidate, modules)
    if (django is not None and django.sqlite_files) or (
        django is not None and any(a.startswith("django.contrib.") for a in django.installed_apps)
    ):
        steps.append(SetupStep("python manage.py migrate", django.settings_evidence, "Django's database tables"))
    steps += script_steps(files)
    steps += console_script_steps(scripts, modules, candidate.paste if candidate is not None else None)
    steps += readme_steps(root, files)
    unique: dict[str, SetupStep] = {}
    for step in steps:
        key = " ".join(step.command.replace("python -m flask", "flask").split())
        unique.setdefault(key, step)
    return [replace(s, destroys=destroys_command(s.command, root, files, modules, scripts)) for s in unique.values()]
