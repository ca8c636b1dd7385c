"""The options more than one command takes, each defined once here with its one meaning (docs/cli.md lists them),
and the old spellings that still work for one release with a note on stderr.

The vocabulary: `--json` is a flag (JSON on stdout); a file to write is `-o/--output PATH`, or `--report-json PATH`
and `--report-html PATH` where a command writes reports beside what it prints; `--run-profile` is how containers are
run (hardened or default), `--profile` only the distroless base's file set (`base`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _stack(*options: Callable[[F], F]) -> Callable[[F], F]:
    def decorate(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


# --- output ---------------------------------------------------------------------------------------------------------

json_flag = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")

output_option = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the output to this file (whole, never half) instead of stdout.",
)

FORMAT_HELP_PREFIX = "Output format"


def format_option(choices: Sequence[str], default: str, detail: str) -> Callable[[F], F]:
    """`--format`: what the output is written as; the formats are each command's own."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help=f"{FORMAT_HELP_PREFIX}: {detail}",
    )


def report_json_option(default: Path | None) -> Callable[[F], F]:
    """`--report-json`: the command's whole report as JSON, written beside what it prints."""
    return click.option(
        "--report-json",
        "report_json",
        type=click.Path(path_type=Path, dir_okay=False),
        default=default,
        show_default=default is not None,
        help="Also write the full report as JSON to this file.",
    )


# --- images and platforms -------------------------------------------------------------------------------------------


def platform_option(default: str | None) -> Callable[[F], F]:
    """`--platform`: the platform(s) a command works on; the commands that build take several."""
    return click.option(
        "--platform",
        "platform",
        default=default,
        metavar="PLATFORM",
        help="Platform to work on: linux/amd64 or linux/arm64. base and build take a comma-separated list (one "
        "build each, tagged TAG-ARCH but for amd64; not the engine's runs under emulation, see `dockwise doctor "
        "--platforms`) [default: linux/amd64]; inspect, compare and sbom read that platform of an image index "
        "(for an engine image, dockwise's -ARCH tag of it) [default: every platform of an index, each on its own].",
    )


oci_option = click.option(
    "--oci",
    "oci_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write the images to this OCI image layout directory (an image index per image, a manifest per "
    "platform).",
)

base_source_option = click.option(
    "--base",
    "base_source",
    type=click.Choice(["auto", "public", "local"]),
    default="auto",
    show_default=True,
    help="auto: public bases if the engine already has them, else dockwise's local bases.",
)

tag_option = click.option(
    "--tag",
    help="Tag of the image this command makes [default: build: <app directory name>:<variant>, "
    "dockwise/webapp:<variant> for the bundled app; slim: IMAGE's repo:tag-slim].",
)


def gzip_size_option(default: bool) -> Callable[[F], F]:
    return click.option(
        "--gzip-size/--no-gzip-size",
        default=default,
        show_default=True,
        help="Measure gzip -6 of uncompressed layers (all cores; seconds on a large image). A compressed layer's "
        "size is always its blob's.",
    )


# --- the service ----------------------------------------------------------------------------------------------------

port_option = click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help="Port the service listens on [default: init: the app's own, else 8000; deploy: the lowest TCP port the "
    "image exposes].",
)

health_path_option = click.option(
    "--health-path",
    metavar="PATH",
    help="The service's health path: what its HEALTHCHECK, the runtime probes and the manifests request (any "
    "2xx/3xx is up) [default: the app's health route (init), the image's HEALTHCHECK URL path (others), else /].",
)

RUN_PROFILES = ("hardened", "default")

run_profile_option = click.option(
    "--run-profile",
    "run_profile_name",
    type=click.Choice(RUN_PROFILES),
    default="hardened",
    show_default=True,
    help="How containers run: hardened (non-root, read-only root, tmpfs /tmp, cap_drop ALL, no-new-privileges, "
    "limits) or default (the engine's).",
)


def runtime_options(resilience_default: float) -> Callable[[F], F]:
    """What `demo` and `compare` share for running images: startups, load, resilience, run profile, health path."""
    return _stack(
        click.option(
            "--runs", type=click.IntRange(1, 50), default=5, show_default=True, help="Startups timed per image."
        ),
        click.option(
            "--load-seconds",
            type=click.FloatRange(0, 30),
            default=3.0,
            show_default=True,
            help="Length of the loopback load per image (0: no load).",
        ),
        click.option(
            "--resilience-seconds",
            type=click.FloatRange(0, 60),
            default=resilience_default,
            show_default=True,
            help="Sustained-load length of the resilience suite per image (0: skip it).",
        ),
        run_profile_option,
        health_path_option,
    )


# --- findings (lint, inspect) ---------------------------------------------------------------------------------------


def finding_options(command: F) -> F:
    """What `lint` and `inspect` share: format, output, threshold, ignores, settings, colour."""
    from dockwise.report.findings_output import FORMAT_HELP, FORMATS

    return _stack(
        format_option(FORMATS, "text", FORMAT_HELP),
        output_option,
        click.option(
            "--failure-threshold",
            type=click.Choice(["info", "warning", "error"]),
            help="Exit 1 on findings at or above this severity (default: warning, or the settings file's).",
        ),
        click.option(
            "--ignore", multiple=True, metavar="ID", help="Skip a rule or check, e.g. DW113 or DI002 (repeatable)."
        ),
        click.option(
            "--config",
            "config_path",
            metavar="FILE",
            help="Settings file (.dockwise.toml or pyproject.toml) [default: found from the current directory up].",
        ),
        click.option("--color/--no-color", default=None, help="Colour the text format (default: on a terminal)."),
    )(command)


# --- old spellings --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Renamed:
    """An option spelled `old` in `command` until this release; `new` now."""

    command: str
    old: str
    new: str

    def note(self) -> str:
        return (
            f"dockwise {self.command}: {self.old} is deprecated, use {self.new} "
            "(the old spelling goes in the next release)"
        )


RENAMED = (
    Renamed("demo", "--profile", "--run-profile"),
    Renamed("compare", "--profile", "--run-profile"),
    Renamed("demo", "--json", "--report-json"),
    Renamed("demo", "--html", "--report-html"),
    Renamed("slim", "--report", "--report-json"),
)


def respell(command: str, args: Sequence[str], takes_value: frozenset[str], warn: Callable[[str], None]) -> list[str]:
    """`args` with each old spelling of `command`'s options replaced by the new one (a note on each). Not a value
    of an option (`takes_value`: the spellings that take one), nor anything after `--`."""
    renamed = {r.old: r for r in RENAMED if r.command == command}
    out: list[str] = []
    value_next = False
    for index, arg in enumerate(args):
        if arg == "--" and not value_next:
            return out + list(args[index:])
        name, sep, value = arg.partition("=")
        if not value_next and name in renamed:
            warn(renamed[name].note())
            arg = renamed[name].new + sep + value
            name = renamed[name].new
        value_next = not value_next and not sep and name in takes_value
        out.append(arg)
    return out


class RespellingCommand(click.Command):
    """A command that accepts its options' old spellings for one release, saying so on stderr."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value = frozenset(
            spelling
            for param in self.params
            if isinstance(param, click.Option) and not param.is_flag and not param.count
            for spelling in param.opts
        )
        warn = lambda note: click.echo(note, err=True)  # noqa: E731
        return super().parse_args(ctx, respell(self.name or "", args, takes_value, warn))
