"""Progress on stderr with rich: a spinner that names the step under way."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def step_status(title: str) -> Iterator[Callable[[str], None]]:
    """A spinner titled `title`; call the yielded function with each new step's name."""
    from rich.console import Console

    console = Console(stderr=True)
    with console.status(f"[bold]{title}[/bold]") as status:

        def on_step(step: str) -> None:
            status.update(f"[bold]{title}[/bold]  {step[:110]}")

        yield on_step
