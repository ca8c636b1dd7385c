"""The `dockwise` command line: arguments in, library calls out, exit codes. No logic lives here."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from dockwise.errors import DockwiseError


class _Group(click.Group):
    """Turns DockwiseError into one line on stderr and its exit code; never a traceback for a user mistake."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DockwiseError as exc:
            for line in exc.details:
                click.echo(f"  | {line}", err=True)
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


@main.command()
@click.argument("app_dir", type=click.Path(path_type=Path), required=False)
@click.option("--variant", type=click.Choice(["standard", "distroless"]), default="standard", show_default=True)
@click.option("--tag", help="Image tag [default: dockwise/webapp:<variant>].")
@click.option("--base", "base_source", type=click.Choice(["auto", "public", "local"]), default="auto", show_default=True,
              help="auto: public bases if the engine already has them, else dockwise's local bases.")
def build(app_dir: Path | None, variant: str, tag: str | None, base_source: str) -> None:
    """Build APP_DIR (default: the bundled reference service) with BuildKit."""
    from dockwise.appbuild import BaseSource, build_app, bundled_app_dir, ensure_local_bases
    from dockwise.progress import step_status

    with step_status(f"building {variant}") as on_step:
        result = build_app(app_dir or bundled_app_dir(), variant, tag=tag, source=BaseSource(base_source),
                           on_step=on_step, ensure_bases=ensure_local_bases)
    click.echo(f"{result.tag} {result.image_id} ({result.seconds:.1f} s)")


@main.command()
@click.argument("app_dir", type=click.Path(path_type=Path), required=False)
@click.option("--runs", type=click.IntRange(1, 50), default=5, show_default=True, help="Startups timed per image.")
@click.option("--load-seconds", type=click.FloatRange(0, 30), default=3.0, show_default=True,
              help="Length of the loopback load per image (0: no load).")
@click.option("--json", "json_path", type=click.Path(path_type=Path), default=Path("demo-report.json"), show_default=True)
@click.option("--html", "html_path", type=click.Path(path_type=Path), default=Path("demo-report.html"), show_default=True)
@click.option("--base", "base_source", type=click.Choice(["auto", "public", "local"]), default="auto", show_default=True)
def demo(app_dir: Path | None, runs: int, load_seconds: float, json_path: Path, html_path: Path,
         base_source: str) -> None:
    """Build APP_DIR (default: the bundled service) standard and distroless, run both, compare them side by side."""
    from rich.console import Console

    from dockwise.appbuild import BaseSource, bundled_app_dir
    from dockwise.demo import run_demo
    from dockwise.engine.bootstrap import ensure_engine
    from dockwise.progress import step_status
    from dockwise.report.table import print_comparison

    console = Console(stderr=True)
    ensure_engine(say=lambda msg: console.print(f"[dim]{msg}[/dim]"))
    with step_status("dockwise demo") as on_step:
        result = run_demo(app_dir or bundled_app_dir(), runs=runs, load_seconds=load_seconds, json_path=json_path,
                          html_path=html_path, source=BaseSource(base_source), say=on_step, on_step=on_step)
    print_comparison(result.comparison, Console())
    click.echo(f"report: {json_path} and {html_path}")

# --- lint (owner: dockerfile) ---

# --- inspect, compare, sbom (owner: image/report) ---


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
