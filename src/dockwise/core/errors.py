"""The one exception type that the CLI turns into a one-line message, the exit codes every command uses, and what
the CLI does with a bug (one line pointing at a crash report, never a traceback on the terminal)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

EXIT_OK = 0
EXIT_FINDINGS = 1
"""`lint`/`inspect`: findings at or above the failure threshold."""
EXIT_FAILED = 1
"""Other commands: what was asked did not succeed (a build step failed, a .deb did not verify, a probe failed)."""
EXIT_USAGE = 2
"""Bad input or usage: an unreadable or invalid file or image, an unknown option, no engine to talk to."""
EXIT_INTERNAL = 3
"""A bug in dockwise: one line on stderr names the crash report with the traceback."""

EXIT_STATUS_HELP = (
    "Exit status: 0 success (no findings at or above the threshold); 1 findings at or above the failure "
    "threshold (lint, inspect) or the operation failed (build, base, demo); 2 bad input or usage; 3 internal "
    "error (a crash report is written and named)."
)


class DockwiseError(Exception):
    """A user-facing failure: `cause` says what went wrong, `fix` what to do about it.

    The CLI prints ``error: <cause> — <fix>`` on one line (after any `details`) and exits with `exit_code`.
    """

    def __init__(self, cause: str, fix: str = "", exit_code: int = EXIT_FAILED, details: list[str] | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.fix = fix
        self.exit_code = exit_code
        self.details = details or []  # e.g. the failing build step's log tail, printed above the one line

    def one_line(self) -> str:
        text = self.cause if not self.fix else f"{self.cause} — {self.fix}"
        return " ".join(text.split())


_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_UNPRINTABLE_IN_A_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str, *, one_line: bool = False) -> str:
    """`text` safe for a terminal: control characters (escape sequences included) and undecodable bytes from
    non-UTF-8 names (surrogate escapes) become visible `\\xNN` escapes. Tabs and new lines are kept, unless
    `one_line` (a name inside a table cell or a finding's message, where a new line could forge another row)."""
    pattern = _UNPRINTABLE_IN_A_LINE if one_line else _UNPRINTABLE
    return pattern.sub(lambda m: f"\\x{ord(m.group(0)) & 0xFF:02x}", text)


def write_crash_report(command: str) -> str:
    """Write the current exception's traceback to a crash file; return its path (or a note if none could be written)."""
    import tempfile  # only on a crash: they cost a tenth of the start-up of a command that does not crash
    import traceback

    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "dockwise"
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
    text = f"dockwise crashed running: {command}\n\n{traceback.format_exc()}"
    for directory in (state, Path(tempfile.gettempdir())):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / name
            path.write_text(text, encoding="utf-8", errors="backslashreplace")
            return str(path)
        except OSError:
            continue
    return "(no crash report could be written)"
