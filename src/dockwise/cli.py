"""The `dockwise` command line: arguments in, library calls out, exit codes. No logic lives here."""

from __future__ import annotations

import json
import sys

import click

from dockwise.errors import DockwiseError


class _Group(click.Group):
    """Turns DockwiseError into one line on stderr and its exit code; never a traceback for a user mistake."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DockwiseError as exc:
            click.echo(f"error: {exc.one_line()}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("error: interrupted", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dockwise")
def main() -> None:
    """Build, lint, audit and compare small, hardened images for Python web services."""


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the facts as JSON.")
@click.option("--check-registry", is_flag=True, help="Also ask the engine whether Docker Hub answers (one request).")
def doctor(as_json: bool, check_registry: bool) -> None:
    """Find a working Docker Engine; on Debian as root, install and start one if none answers."""
    from rich.console import Console

    from dockwise.engine.bootstrap import ensure_engine

    console = Console(stderr=True)
    info = ensure_engine(say=lambda msg: console.print(f"[dim]{msg}[/dim]"), probe_registry=check_registry)
    if as_json:
        click.echo(json.dumps(info.as_dict(), indent=2, sort_keys=True))
        return
    for key, value in info.as_dict().items():
        click.echo(f"{key:20} {value}")


# --- base (owner: debian) ---

# --- build, demo (owner: engine/measure) ---

# --- lint (owner: dockerfile) ---

# --- inspect, compare, sbom (owner: image/report) ---


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
