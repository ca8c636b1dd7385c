"""Where a rendered report goes: stdout, or a file written whole."""

from __future__ import annotations

from pathlib import Path

import click


def write_output(text: str, output: Path | None, *, color: bool = False) -> None:
    """Print to stdout (ANSI colour kept only when `color`), or write `output` whole (never half a file)."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"), color=color)
        return
    from dockwise.core.atomic import write_text

    write_text(output, text)
