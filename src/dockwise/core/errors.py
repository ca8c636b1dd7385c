"""The one exception type that the CLI turns into a one-line message and a non-zero exit code."""

from __future__ import annotations


class DockwiseError(Exception):
    """A user-facing failure: `cause` says what went wrong, `fix` what to do about it.

    The CLI prints ``error: <cause> — <fix>`` on one line (after any `details`) and exits with `exit_code`.
    """

    def __init__(self, cause: str, fix: str = "", exit_code: int = 1, details: list[str] | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.fix = fix
        self.exit_code = exit_code
        self.details = details or []  # e.g. the failing build step's log tail, printed above the one line

    def one_line(self) -> str:
        text = self.cause if not self.fix else f"{self.cause} — {self.fix}"
        return " ".join(text.split())
