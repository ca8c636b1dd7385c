"""The flags of `dockwise init` that take a command line (--cmd, --setup)."""

from __future__ import annotations

import shlex

from dockwise.core.errors import EXIT_USAGE, DockwiseError


def split_flag(flag: str, value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError as exc:
        raise DockwiseError(
            f"{flag} {value!r}: {exc} (it is split like a shell command line)",
            "balance the quotes, or quote the whole value once",
            exit_code=EXIT_USAGE,
        ) from None
