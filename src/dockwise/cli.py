"""The `dockwise` command line: arguments in, library calls out, exit codes. No logic lives here."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from dockwise.cli_options import (
    RespellingCommand,
    base_source_option,
    finding_options,
    format_option,
    gzip_size_option,
    health_path_option,
    json_flag,
    oci_option,
    output_option,
    platform_option,
    port_option,
    report_json_option,
    runtime_options,
    tag_option,
)
from dockwise.core.errors import (
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_PIPE_CLOSED,
    EXIT_STATUS_HELP,
    EXIT_USAGE,
    DockwiseError,
    exit_status_help,
    printable,
    write_crash_report,
)
from dockwise.core.platform import DEFAULT_RELEASE
from dockwise.debian.releases import RELEASE_NAMES
from dockwise.image.sbom import FORMATS as SBOM_FORMATS

# What exit status 1 means, per command. A command missing here never exits 1, and for `lint`/`inspect` 1 means
# findings, so a DockwiseError there (a user mistake, an unreadable input, no engine) exits 2 whatever it asked for.
_EXIT_ONE = {
    "lint": "findings at or above the failure threshold",
    "inspect": "findings at or above the failure threshold",
    "doctor": "no engine could be started",
    "base": "a download, a verification or a build step failed",
    "build": "the build failed",
    "demo": "a build, a container or a probe failed",
    "compare": "a container or a runtime probe failed",
    "slim": "the slim image differed, or the tracer image or the engine failed (nothing tagged)",
}
_BAD_INPUT = {
    "init": "nothing is written",
    "deploy": "an image that cannot run that way: root, no port, a USER its /etc/passwd does not resolve",
    "slim": "not Python, root, no port, does not start, never answers, a bad probe file",
}
_FINDINGS_COMMANDS = frozenset({"lint", "inspect"})


def _exit_help(command: str) -> str:
    return exit_status_help(_EXIT_ONE.get(command), _BAD_INPUT.get(command))


def _error_exit_code(command: str | None, exc: DockwiseError) -> int:
    if exc.exit_code == EXIT_FAILED and (command in _FINDINGS_COMMANDS or command not in _EXIT_ONE):
        return EXIT_USAGE
    return exc.exit_code


class _Group(click.Group):
    """Turns DockwiseError into one line on stderr and its exit code, and any other exception into one line that
    points at the traceback written to a file (exit 3); never a traceback for a user mistake. Its commands take their
    options' old spellings for one release (dockwise.cli_options)."""

    command_class = RespellingCommand

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DockwiseError as exc:
            for line in exc.details:
                click.echo(f"  | {printable(line)}", err=True)
            click.echo(f"error: {printable(exc.one_line())}", err=True)
            ctx.exit(_error_exit_code(ctx.invoked_subcommand, exc))
        except KeyboardInterrupt:
            click.echo("error: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            # The reader went away (`dockwise lint | head`): nothing more can be said to it.
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's final flush quiet
            ctx.exit(EXIT_PIPE_CLOSED)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception:  # a bug in dockwise, not the user's mistake
            where = write_crash_report(" ".join(sys.argv))
            click.echo(f"error: internal error — please report it with {where}", err=True)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_STATUS_HELP)
@click.version_option(package_name="dockwise")
@click.option(
    "--engine",
    "engine_url",
    metavar="URL",
    help="Docker Engine to use, like `docker -H`: unix:///path, tcp://HOST:PORT or ssh://USER@HOST "
    "[default: DOCKER_HOST, else DOCKER_CONTEXT or the CLI's current context, else the local socket].",
)
def main(engine_url: str | None) -> None:
    """Build, lint, audit and compare small, hardened images for Python web services."""
    for stream in (sys.stdout, sys.stderr):  # a character the locale cannot encode prints as an escape, not a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if engine_url:
        from dockwise.engine.endpoint import use_engine

        use_engine(engine_url, os.environ)


@main.command(epilog=_exit_help("doctor"))
@json_flag
@click.option("--check-registry", is_flag=True, help="Also ask the engine whether Docker Hub answers (one request).")
@click.option(
    "--platforms",
    "check_platforms",
    is_flag=True,
    help="Also report which platforms (linux/amd64, linux/arm64) run here; as root on Debian, set up arm64 "
    "emulation (binfmt_misc + Debian's qemu-user-static). Exit 1 if one cannot run.",
)
def doctor(as_json: bool, check_registry: bool, check_platforms: bool) -> None:
    """Find a working Docker Engine; on Debian as root, install and start one if none answers."""
    from rich.console import Console

    from dockwise.engine.bootstrap import ensure_engine

    console = Console(stderr=True)
    say = lambda msg: console.print(f"[dim]{msg}[/dim]")  # noqa: E731
    info = ensure_engine(say=say, probe_registry=check_registry)
    facts = info.as_dict()
    support = []
    if check_platforms:
        from dockwise.jobs.platforms import check_platforms as platform_check

        support = platform_check(say=say)
        facts["platforms"] = [entry.as_dict() for entry in support]
    if as_json:
        click.echo(json.dumps(facts, indent=2, sort_keys=True))
    else:
        for key, value in info.as_dict().items():
            click.echo(f"{key:20} {value}")
        for entry in support:
            state = "ready" if entry.ready else "NOT READY"
            click.echo(f"{'platform ' + str(entry.platform):20} {state}: {entry.note}")
    if not all(entry.ready for entry in support):
        sys.exit(EXIT_FAILED)


@main.command(epilog=_exit_help("base"))
@click.option(
    "--release",
    "release_name",
    type=click.Choice(RELEASE_NAMES),
    default=DEFAULT_RELEASE,
    show_default=True,
    help="Debian release: trixie (13, Python 3.13) or bookworm (12, Python 3.11).",
)
@click.option(
    "--update-lock",
    is_flag=True,
    help="Resolve the package sets again against the signed archive, rewrite the lock, then build.",
)
@click.option(
    "--package",
    "extra_packages",
    multiple=True,
    metavar="NAME",
    help="With --update-lock: also install Debian package NAME in the slim base (repeatable).",
)
@click.option("--only", type=click.Choice(["slim", "distroless"]), multiple=True, help="Build only this base.")
@click.option(
    "--profile",
    "profile_name",
    type=click.Choice(["lean", "faithful"]),
    default="lean",
    show_default=True,
    help="distroless: lean drops what a web service never loads (docs, gconv, test modules…); faithful "
    "matches gcr.io/distroless/python3-debian<N> file for file and is tagged :faithful, "
    ":faithful-nonroot.",
)
@click.option(
    "--namespace",
    default="dockwise",
    show_default=True,
    envvar="DOCKWISE_BASE_NAMESPACE",
    show_envvar=True,
    help="Tag the bases NAMESPACE/python:…-slim and NAMESPACE/distroless-python3-debian<N>:….",
)
@click.option(
    "--archive",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a `docker load`-able archive (manifest.json + OCI layout) to this file.",
)
@oci_option
@click.option("--no-load", is_flag=True, help="Do not use the engine at all (with --archive and/or --oci).")
@click.option("--rebuild", is_flag=True, help="Build even if the engine already holds bases from this lock.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where .debs are cached [default: $XDG_CACHE_HOME/dockwise/debs].",
)
@click.option(
    "--lock-file", type=click.Path(dir_okay=False, path_type=Path), help="Use this lock instead of the committed one."
)
@json_flag
@platform_option("linux/amd64")
def base(
    release_name: str,
    update_lock: bool,
    extra_packages: tuple[str, ...],
    only: tuple[str, ...],
    profile_name: str,
    namespace: str,
    archive: Path | None,
    oci_dir: Path | None,
    no_load: bool,
    rebuild: bool,
    cache_dir: Path | None,
    lock_file: Path | None,
    as_json: bool,
    platform: str,
) -> None:
    """Build the slim and distroless Python base images from Debian packages (no registry), reproducibly."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from dockwise.debian import bases, resolve
    from dockwise.debian.cache import default_cache_dir
    from dockwise.debian.lock import load_lock
    from dockwise.debian.profiles import PROFILES
    from dockwise.debian.releases import check_namespace
    from dockwise.debian.releases import release as find_release
    from dockwise.engine.emulation import parse_platforms

    console = Console(stderr=True, soft_wrap=True)
    release = find_release(release_name)
    platforms = tuple(parse_platforms(platform))
    if lock_file is not None and len(platforms) > 1:
        raise DockwiseError(
            "--lock-file holds one platform's lock", "pass a single --platform with it", exit_code=EXIT_USAGE
        )
    profile = PROFILES[profile_name]
    check_namespace(namespace)
    if extra_packages and not update_lock:
        raise DockwiseError("--package only works with --update-lock", "add --update-lock", exit_code=EXIT_USAGE)
    if no_load and archive is None and oci_dir is None:
        raise DockwiseError(
            "--no-load without --archive or --oci builds nothing",
            "add --archive FILE or --oci DIR",
            exit_code=EXIT_USAGE,
        )
    cache = cache_dir or default_cache_dir()
    say = lambda msg: console.print(msg, style="dim", markup=False, highlight=False)  # noqa: E731
    with Progress(TextColumn("debs"), BarColumn(), DownloadColumn(), console=console, transient=True) as bar:
        task = bar.add_task("debs", total=None)
        progress = lambda done, total: bar.update(task, completed=done, total=total)  # noqa: E731
        if update_lock:
            for each in platforms:
                resolve.update_lock(release, cache, extra_packages, lock_file, say, arch=each.architecture)
        kinds = only or bases.KINDS
        if archive is None and oci_dir is None and not rebuild and lock_file is None:
            images = bases.ensure_bases(
                release.codename,
                kinds=kinds,
                cache_dir=cache,
                profile=profile,
                namespace=namespace,
                say=say,
                progress=progress,
                platforms=platforms,
            )
        else:
            lock = load_lock(release.codename, lock_file, arch=platforms[0].architecture) if lock_file else None
            images = bases.build_bases(
                release.codename,
                kinds=kinds,
                load=not no_load,
                archive=archive,
                oci_dir=oci_dir,
                cache_dir=cache,
                lock=lock,
                profile=profile,
                namespace=namespace,
                say=say,
                progress=progress,
                platforms=platforms,
            )
    if as_json:
        click.echo(json.dumps([image.as_dict() for image in images], indent=2, sort_keys=True))
        return
    for image in images:
        state = "built" if image.built else "up to date"
        click.echo(f"{image.tag:56} {image.platform!s:12} {image.image_id[7:19]}  {state}")


@main.command(epilog=_exit_help("init"))
@click.argument("app_dir", type=click.Path(path_type=Path), default=".", required=False)
@click.option(
    "--python", "python_version", metavar="X.Y", help="Python version (3.11 or 3.13) [default: from the app]."
)
@port_option
@click.option("--cmd", metavar="COMMAND", help="Server command, exec form without a shell (overrides detection).")
@click.option("--app", "app_target", metavar="MODULE:NAME", help="The WSGI/ASGI app, e.g. app:app or pkg:create_app().")
@click.option(
    "--server",
    help="gunicorn, uvicorn, granian, hypercorn, waitress or daphne [default: the app's, else "
    "gunicorn (WSGI) / uvicorn (ASGI)].",
)
@health_path_option
@click.option(
    "--setup",
    metavar="COMMAND",
    help="A setup step (e.g. migrations), run in a one-shot container before the server starts: once per release "
    "and data volume, or once per data volume ever when it destroys data (drops tables), never at every start.",
)
@click.option(
    "--deps",
    multiple=True,
    metavar="FILE",
    help="Dependency file(s) to install: requirements files, or one lockfile, Pipfile or pyproject.toml "
    "[default: a lockfile, else requirements.txt or requirements/, else Pipfile, else pyproject.toml, else the "
    "distributions the code imports, unpinned].",
)
@click.option(
    "--offline",
    is_flag=True,
    envvar="DOCKWISE_OFFLINE",
    show_envvar=True,
    help="Do not read the package index: the Python version is not checked against the pins' wheels, and only "
    "sdists that never ship Linux wheels get build packages.",
)
@click.option("--dry-run", is_flag=True, help="Print the files (a diff against existing ones) and write nothing.")
@click.option(
    "--plan",
    "as_plan",
    is_flag=True,
    help="Print the build plan as JSON on stdout (what was found, with evidence; what the images install and run) "
    "and write nothing.",
)
@click.option("--force", is_flag=True, help="Overwrite existing files.")
def init(
    app_dir: Path,
    python_version: str | None,
    port: int | None,
    cmd: str | None,
    app_target: str | None,
    server: str | None,
    health_path: str | None,
    setup: str | None,
    deps: tuple[str, ...],
    offline: bool,
    dry_run: bool,
    as_plan: bool,
    force: bool,
) -> None:
    """Write Dockerfile, Dockerfile.distroless, .dockerignore and compose.yaml for the Python web app in APP_DIR.

    Reads the app without running it and prints each decision with its evidence (file and line), then what is left
    to do. Reads the package index (PyPI's simple API) for the pins' wheels, unless --offline.
    """
    from dockwise.pyapp.detect import InitOptions, detect
    from dockwise.pyapp.plan import plan_text
    from dockwise.pyapp.render import render_all
    from dockwise.pyapp.summary import summary
    from dockwise.pyapp.wheels import SimpleIndex, default_cache_dir
    from dockwise.pyapp.writeset import diff, existing, write_set

    options = InitOptions(
        python=python_version,
        port=port,
        cmd=cmd,
        app=app_target,
        server=server,
        health_path=health_path,
        setup=setup,
        deps=deps,
    )
    if as_plan and (dry_run or force):
        raise DockwiseError(
            f"--plan with {'--dry-run' if dry_run else '--force'}: --plan prints the plan and writes nothing",
            "pass --plan alone for the plan, or --dry-run / --force for the files",
            exit_code=EXIT_USAGE,
        )
    facts = detect(app_dir, options, None if offline else SimpleIndex(default_cache_dir()))
    files = render_all(facts)  # rendered even for the plan: an app the files cannot be written for has no plan
    if as_plan:
        click.echo(plan_text(facts), nl=False)
        return
    if dry_run:
        if existing(facts.root, files):
            click.echo(diff(facts.root, files), nl=False)
        else:
            for name, text in files.items():
                click.echo(f"--- {name}\n{text}")
    else:
        write_set(facts.root, files, force=force)
    click.echo(summary(facts, list(files), dry_run), err=dry_run, nl=False)


@main.command(epilog=_exit_help("build"))
@click.argument("app_dir", type=click.Path(path_type=Path), required=False)
@click.option(
    "--variant",
    type=click.Choice(["standard", "distroless"]),
    default="standard",
    show_default=True,
    help="standard: the slim base, one stage; distroless: a builder stage and the distroless runtime.",
)
@tag_option
@base_source_option
@platform_option("linux/amd64")
@oci_option
@click.option("--no-cache", is_flag=True, help="Build every step again.")
def build(
    app_dir: Path | None,
    variant: str,
    tag: str | None,
    base_source: str,
    platform: str,
    oci_dir: Path | None,
    no_cache: bool,
) -> None:
    """Build APP_DIR (default: the bundled reference service) with BuildKit."""
    from dockwise.engine.emulation import parse_platforms
    from dockwise.jobs.build import BaseSource, bundled_app_dir
    from dockwise.jobs.multiplatform import build_platforms
    from dockwise.report.progress import step_status

    platforms = parse_platforms(platform)
    with step_status(f"building {variant}") as on_step:
        built = build_platforms(
            app_dir or bundled_app_dir(),
            variant,
            platforms,
            tag=tag,
            source=BaseSource(base_source),
            oci_dir=oci_dir,
            no_cache=no_cache,
            on_step=on_step,
        )
    for each in built.builds:
        label = f" [{each.platform}]" if len(built.builds) > 1 else ""
        click.echo(f"{each.result.tag} {each.result.image_id} ({each.result.seconds:.1f} s){label}")
    if built.oci_dir is not None:
        click.echo(f"image index {built.index_digest} in {built.oci_dir}")


@main.command(epilog=_exit_help("demo"))
@click.argument("app_dir", type=click.Path(path_type=Path), required=False)
@runtime_options(resilience_default=5.0)
@click.option(
    "--slim/--no-slim",
    default=True,
    show_default=True,
    help="Also trace the distroless image into a minimal one (dockwise slim) and compare it as a third column.",
)
@report_json_option(Path("demo-report.json"))
@click.option(
    "--report-html",
    "report_html",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("demo-report.html"),
    show_default=True,
    help="Also write the report as one self-contained HTML page to this file.",
)
@base_source_option
def demo(
    app_dir: Path | None,
    runs: int,
    load_seconds: float,
    resilience_seconds: float,
    run_profile_name: str,
    health_path: str | None,
    slim: bool,
    report_json: Path,
    report_html: Path,
    base_source: str,
) -> None:
    """Build APP_DIR (default: the bundled service) standard and distroless, run both hardened, prove the practices
    and the run profile, and compare them side by side. Prepare a new app with `dockwise init APP_DIR` first.
    """
    from rich.console import Console

    from dockwise.engine.bootstrap import ensure_engine
    from dockwise.jobs.build import BaseSource, bundled_app_dir
    from dockwise.jobs.demo import run_demo
    from dockwise.report.progress import step_status
    from dockwise.report.table import print_comparison
    from dockwise.service.profile import run_profile

    console = Console(stderr=True)
    ensure_engine(say=lambda msg: console.print(f"[dim]{msg}[/dim]"))
    with step_status("dockwise demo") as on_step:
        result = run_demo(
            app_dir or bundled_app_dir(),
            runs=runs,
            load_seconds=load_seconds,
            json_path=report_json,
            html_path=report_html,
            source=BaseSource(base_source),
            profile=run_profile(run_profile_name),
            health_path=health_path,
            resilience_seconds=resilience_seconds,
            slim=slim,
            say=on_step,
            on_step=on_step,
        )
    print_comparison(result.comparison, Console())
    click.echo(f"report: {report_json} and {report_html}")


def _build_args(values: tuple[str, ...]) -> dict[str, str]:
    import os

    args = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not key:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", param_hint="--build-arg")
        if sep:
            args[key] = val
        elif key in os.environ:  # like `docker build --build-arg KEY`: the value comes from the environment
            args[key] = os.environ[key]
    return args


def _settings(config_path: str | None, ignore: tuple[str, ...], failure_threshold: str | None):
    from dockwise.core.config import find_config, load_config

    settings = load_config(Path(config_path)) if config_path else find_config(Path.cwd())
    return settings.with_overrides(ignore=ignore, failure_threshold=failure_threshold)


def _finish(report, fmt: str, output: Path | None, color: bool | None, settings) -> None:
    from dockwise.report.findings_output import emit, exit_code

    emit(report, fmt, output=output, color=color)
    sys.exit(exit_code(report.findings, settings.failure_threshold))


@main.command(epilog=_exit_help("lint"))
@click.argument("dockerfiles", nargs=-1)
@click.option("--context", "context_dir", metavar="DIR", help="Build context (default: each Dockerfile's directory).")
@click.option("--target", metavar="STAGE", help="Stage to build (default: the last one).")
@click.option("--build-arg", "build_args", multiple=True, metavar="KEY=VALUE", help="As for docker build; repeatable.")
@finding_options
def lint(
    dockerfiles, context_dir, target, build_args, fmt, output, failure_threshold, ignore, config_path, color
) -> None:
    """Lint Dockerfiles and their build context. DOCKERFILES default to ./Dockerfile; `-` reads stdin (once)."""
    import json

    from dockwise.core.rules import all_rules
    from dockwise.dockerfile.lint import lint_inputs
    from dockwise.report.findings_output import FindingsReport
    from dockwise.report.text import render as render_text

    settings = _settings(config_path, ignore, failure_threshold)
    inputs = list(dockerfiles) or ["Dockerfile"]
    findings, texts = lint_inputs(
        inputs,
        stdin=sys.stdin.buffer,
        context_dir=Path(context_dir) if context_dir else None,
        target=target,
        build_args=_build_args(build_args),
        config=settings,
    )
    report = FindingsReport(
        findings=findings,
        checked=inputs,
        rules=all_rules("dockerfile"),
        text=lambda colored: render_text(findings, texts, color=colored),
        document=lambda: json.dumps([f.as_dict() for f in findings], indent=2) + "\n",
    )
    _finish(report, fmt, output, color, settings)


@main.command(epilog=_exit_help("inspect"))
@click.argument("image")
@platform_option(None)
@gzip_size_option(False)
@finding_options
def inspect(
    image: str,
    gzip_size: bool,
    fmt: str,
    output: Path | None,
    failure_threshold: str | None,
    ignore: tuple[str, ...],
    config_path: str | None,
    color: bool | None,
    platform: str | None,
) -> None:
    """Audit IMAGE from its config and layers, verifying every blob digest.

    IMAGE: an engine image, docker-archive:PATH, oci:PATH[:TAG], or a path (docker-save tar, OCI layout dir or tar).
    An image index is reported per platform, unless --platform picks one.
    """
    import json

    from dockwise.image import collect
    from dockwise.image.blob import Workers
    from dockwise.jobs.platforms import platform_targets

    targets = platform_targets(image, platform)
    if len(targets) > 1 or targets[0].platform is not None:
        from dockwise.jobs.platforms import inspect_platforms

        settings = _settings(config_path, ignore, failure_threshold)
        _finish(inspect_platforms(image, targets, settings, gzip_size=gzip_size), fmt, output, color, settings)
        return

    background = Workers(1)
    try:
        # Reading starts first: its digests are computed by worker threads (hashlib releases the GIL), so the
        # settings, the check modules and the report code below load while the layers are being hashed.
        reading = background.submit(lambda: collect(image, gzip_size=gzip_size))
        from dockwise.core.rules import all_rules
        from dockwise.image.checks import run_checks
        from dockwise.report.findings_output import FindingsReport
        from dockwise.report.table import facts_text

        settings = _settings(config_path, ignore, failure_threshold)
        rules = all_rules("image")
        if sys.stderr.isatty():
            from rich.console import Console

            with Console(stderr=True).status(f"reading {image}" + (" (measuring gzip -6 size)" if gzip_size else "")):
                facts = reading.result()
        else:
            facts = reading.result()
    finally:
        background.close(wait=False)  # a bad setting is reported at once, not after the image is read
    findings = run_checks(facts, settings, rules)
    report = FindingsReport(
        findings=findings,
        checked=[image],
        rules=rules,
        text=lambda colored: facts_text(facts, findings, color=colored),
        document=lambda: (
            json.dumps(
                {"image": facts.as_dict(), "findings": [f.as_dict() for f in findings]}, indent=2, sort_keys=True
            )
            + "\n"
        ),
    )
    _finish(report, fmt, output, color, settings)


@main.command(epilog=_exit_help("deploy"))
@click.argument("image")
@format_option(
    ["compose", "kubernetes"],
    "kubernetes",
    "compose: a compose.yaml service; kubernetes: a Deployment and a Service (restricted Pod Security).",
)
@click.option("--name", help="Service name [default: the image's repository name].")
@port_option
@health_path_option
@output_option
def deploy(
    image: str, fmt: str, name: str | None, port: int | None, health_path: str | None, output: Path | None
) -> None:
    """Deploy manifests for IMAGE under the hardened run profile: non-root (the image's own uid), read-only root with
    a tmpfs /tmp, every capability dropped, no privilege escalation, default seccomp, limits, probes on the health path.

    IMAGE: an engine image, docker-archive:PATH, oci:PATH[:TAG], or a path.
    """
    from dockwise.jobs.deploy import deploy_manifest
    from dockwise.report.write import write_output

    write_output(deploy_manifest(image, fmt, name=name, port=port, health_path=health_path), output)


@main.command(epilog=_exit_help("rules"))
@click.argument("rule_id", required=False, metavar="[ID]")
@format_option(
    ["text", "json", "markdown"], "text", "text: for a terminal; json: stable keys; markdown: as in docs/rules.md."
)
def rules(rule_id: str | None, fmt: str) -> None:
    """List every lint rule and image check, or explain one: `dockwise rules DW005` (what, why, bad, good, fix,
    references, known limitations)."""
    from dockwise.core.rules import all_rules, find_rule
    from dockwise.report.rule_docs import explain, listing, rule_json

    every = all_rules()
    chosen = [find_rule(rule_id, every)] if rule_id else list(every)
    if fmt == "json":
        click.echo(rule_json(chosen), nl=False)
    elif rule_id:
        click.echo(explain(chosen[0], markdown=fmt == "markdown"), nl=False)
    else:
        click.echo(listing(chosen, markdown=fmt == "markdown"), nl=False)


@main.command(epilog=_exit_help("compare"))
@click.argument("images", nargs=-1, required=True)
@format_option(
    ["table", "json", "markdown", "html"],
    "table",
    "table: for a terminal; json: stable keys; markdown: for a pull request; html: one self-contained page.",
)
@output_option
@click.option("--runtime/--no-runtime", default=True, show_default=True, help="Start containers and measure them.")
@runtime_options(resilience_default=0.0)
@gzip_size_option(True)
@platform_option(None)
def compare(
    images: tuple[str, ...],
    fmt: str,
    output: Path | None,
    runtime: bool,
    runs: int,
    load_seconds: float,
    resilience_seconds: float,
    run_profile_name: str,
    health_path: str | None,
    gzip_size: bool,
    platform: str | None,
) -> None:
    """Compare IMAGES side by side: facts, checks, seed practices and runtime probes (engine images only), under the
    hardened run profile unless `--run-profile default`.

    Each IMAGE: an engine image, docker-archive:PATH, oci:PATH[:TAG], or a docker-save tar / OCI layout path.
    """
    from rich.console import Console

    from dockwise.jobs.compare import compare_images
    from dockwise.service.profile import run_profile

    console = Console(stderr=True)
    with console.status("comparing") as status:
        comparison = compare_images(
            list(images),
            runtime=runtime,
            runs=runs,
            load_seconds=load_seconds,
            gzip_size=gzip_size,
            progress=lambda msg: status.update(msg),
            profile=run_profile(run_profile_name),
            health_path=health_path,
            resilience_seconds=resilience_seconds,
            platform=platform,
        )
    if fmt == "table" and output is None:
        from dockwise.report.table import print_comparison

        print_comparison(comparison, Console())
        return
    if fmt == "json":
        text = json.dumps(comparison.as_dict(), indent=2, sort_keys=True) + "\n"
    elif fmt == "markdown":
        from dockwise.report.markdown import render_markdown

        text = render_markdown(comparison)
    elif fmt == "html":
        from dockwise.report.html import render_html

        text = render_html(comparison)
    else:
        import io

        from dockwise.report.table import print_comparison

        recorder = Console(record=True, width=160, file=io.StringIO())
        print_comparison(comparison, recorder)
        text = recorder.export_text()
    from dockwise.report.write import write_output

    write_output(text, output)


@main.command(epilog=_exit_help("sbom"))
@click.argument("image")
@output_option
@format_option(SBOM_FORMATS, SBOM_FORMATS[0], "CycloneDX 1.6 JSON or SPDX 2.3 JSON.")
@platform_option(None)
def sbom(image: str, output: Path | None, fmt: str, platform: str | None) -> None:
    """Write an SBOM of IMAGE: Debian packages and Python distributions, each with its licence as an SPDX
    expression (from Debian's copyright files and the dist-info METADATA). An image index needs --platform (one
    SBOM per platform)."""
    from dockwise.image import collect
    from dockwise.image.sbom import sbom_document
    from dockwise.jobs.platforms import one_platform
    from dockwise.report.write import write_output

    target = one_platform(image, platform)
    facts = collect(image if target.platform is None else target.source, gzip_size=False, licences=True)
    write_output(sbom_document(facts, fmt), output)


@main.command(epilog=_exit_help("slim"))
@click.argument("image")
@tag_option
@click.option(
    "--probe",
    "probe_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Probe file (TOML, or .json): requests the slim image must answer as the original does.",
)
@click.option("--include", "includes", multiple=True, metavar="PATH", help="Also keep PATH (file or tree); repeatable.")
@click.option("--keep-python-stdlib", is_flag=True, help="Keep the whole standard library, not only what is used.")
@click.option(
    "--only-traced-modules",
    is_flag=True,
    help="Keep only the Python modules the trace saw (no whole distributions, no static imports): smaller, "
    "but a route no probe reached may miss a module.",
)
@report_json_option(None)
def slim(
    image: str,
    tag: str | None,
    probe_file: Path | None,
    includes: tuple[str, ...],
    keep_python_stdlib: bool,
    only_traced_modules: bool,
    report_json: Path | None,
) -> None:
    """Minify IMAGE (a Python web service in the engine): trace it under probes, keep what it uses and what Python
    needs, build that FROM scratch, and tag it only if it answers every probe as IMAGE does.

    Probe file format: `python -c "import dockwise.slim.probes as p; help(p)"` or docs/slim.md.
    """
    from dockwise.core.atomic import write_text
    from dockwise.jobs.slim import slim_image
    from dockwise.report.progress import step_status
    from dockwise.slim.report import render_text

    with step_status(f"slim {image}") as on_step:
        result = slim_image(
            image,
            tag=tag,
            probe_file=probe_file,
            includes=includes,
            keep_stdlib=keep_python_stdlib,
            only_traced=only_traced_modules,
            say=on_step,
        )
    if report_json is not None:
        write_text(report_json, json.dumps(result.report.as_dict(), indent=2, sort_keys=True) + "\n")
    click.echo(render_text(result.report), nl=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
