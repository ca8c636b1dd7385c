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

EXIT_INTERRUPTED = 130
"""Ctrl-C, as shells report SIGINT."""
EXIT_PIPE_CLOSED = 141
"""The reader of stdout went away (`dockwise lint | head`), as shells report SIGPIPE: never mistaken for findings."""

EXIT_STATUS_HELP = (
    "Exit status: 0 success (no findings at or above the threshold); 1 findings at or above the failure "
    "threshold (lint, inspect) or the operation failed (doctor, base, build, demo, compare, slim); 2 bad input or usage, "
    "or no engine to talk to; 3 internal error (one line names the crash report with the traceback)."
)


def exit_status_help(one: str | None, bad_input: str | None = None) -> str:
    """The exit-status paragraph of one command's help; `one` says what exit 1 means for it (None: it never exits 1),
    `bad_input` what counts as bad input for it, when that needs saying."""
    middle = f"1 {one}; " if one else ""
    detail = f" ({bad_input})" if bad_input else ""
    return (
        f"Exit status: 0 success; {middle}2 bad input or usage, or no engine to talk to{detail}; 3 internal error "
        "(one line names the crash report with the traceback)."
    )


class DockwiseError(Exception):
    """A user-facing failure: `cause` says what went wrong, `fix` what to do about it.

    The CLI prints ``error: <cause> — <fix>`` on one line (after any `details`) and exits with `exit_code`.
    """

    def __init__(
        self, cause: str, fix: str = "", exit_code: int = EXIT_FAILED, details: list[str] | None = None
    ) -> None:
        super().__init__(cause)
        self.cause = cause
        self.fix = fix
        self.exit_code = exit_code
        self.details = details or []  # e.g. the failing build step's log tail, printed above the one line

    def one_line(self) -> str:
        text = self.cause if not self.fix else f"{self.cause} — {self.fix}"
        return " ".join(text.split())


# C0 and C1 controls (escape sequences), surrogates (bytes of non-UTF-8 names), the noncharacters XML 1.0 forbids,
# and the bidirectional overrides that make text read differently from what it is.
_HIDDEN = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNPRINTABLE = re.compile(f"[{_HIDDEN}]")
_UNPRINTABLE_OR_BREAK = re.compile(f"[{_HIDDEN}\t\n\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as os.fsdecode's surrogateescape keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str, *, one_line: bool = False) -> str:
    """`text` safe for a terminal, a CI log and XML: control characters (escape sequences included), undecodable
    bytes of non-UTF-8 names, noncharacters and bidi overrides become visible `\\xNN`/`\\uNNNN` escapes. Tabs and
    new lines are kept unless `one_line` (a name with a new line must not forge a second line of output)."""
    return (_UNPRINTABLE_OR_BREAK if one_line else _UNPRINTABLE).sub(_escape, text)


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
