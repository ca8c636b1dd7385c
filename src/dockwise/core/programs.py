"""Every external program (gpgv, mmdebstrap, ldconfig, apt-get, the docker CLI, wrk, chromium) runs through here:
with a timeout, its output captured, and on failure a DockwiseError that names the tool, its exit code and its last
stderr lines. A streamed program (a build) is killed, with its whole process group, on Ctrl-C or any error.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from dockwise.core.errors import EXIT_USAGE, DockwiseError

TAIL_LINES = 10


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def tail(self, lines: int = TAIL_LINES) -> list[str]:
        """The last lines the program printed on stderr (stdout if stderr is empty)."""
        return [line for line in (self.stderr or self.stdout).strip().splitlines() if line.strip()][-lines:]


def _failure(tool: str, result: Completed, fix: str, summary: Callable[[list[str]], str] | None) -> DockwiseError:
    every = result.tail(lines=1 << 30)
    reason = summary(every) if summary else (every[-1] if every else "no output")
    return DockwiseError(
        f"{tool} failed (exit {result.returncode}): {reason[:300]}", fix, details=every[-TAIL_LINES:-1]
    )


def run_program(
    argv: Sequence[str],
    *,
    tool: str,
    timeout: float,
    fix: str = "",
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    input: bytes | str | None = None,
    check: bool = True,
    summary: Callable[[list[str]], str] | None = None,
) -> Completed:
    """Run `argv` to completion, output captured as text. With `check`, a non-zero exit raises a DockwiseError:
    "<tool> failed (exit N): <summary of the last lines>" (`summary` picks the telling line; default the last)."""
    try:
        done = subprocess.run(
            list(argv),
            capture_output=True,
            timeout=timeout,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            input=input.encode() if isinstance(input, str) else input,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise DockwiseError(
            f"{tool} is not installed ({argv[0]} not found)", fix or f"install {tool}", exit_code=EXIT_USAGE
        ) from None
    except PermissionError:
        raise DockwiseError(
            f"{tool} ({argv[0]}) cannot be executed", fix or "check its permissions", exit_code=EXIT_USAGE
        ) from None
    except subprocess.TimeoutExpired:
        raise DockwiseError(
            f"{tool} did not finish within {timeout:.0f} s", fix or f"check what {tool} waits for"
        ) from None
    result = Completed(
        tuple(argv), done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")
    )
    if check and result.returncode != 0:
        raise _failure(tool, result, fix, summary)
    return result


@contextlib.contextmanager
def streamed_program(
    argv: Sequence[str], *, tool: str, env: Mapping[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen, Iterator[str]]]:
    """Start `argv` with stdout and stderr merged into one text stream of lines; on leaving the block for any reason
    (Ctrl-C included) before the program ended, it is killed with its whole process group and reaped."""
    try:
        process = subprocess.Popen(
            list(argv),
            env=dict(env) if env is not None else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            start_new_session=True,
        )
    except FileNotFoundError:
        raise DockwiseError(
            f"{tool} is not installed ({argv[0]} not found)", f"install {tool}", exit_code=EXIT_USAGE
        ) from None
    assert process.stdout is not None
    lines = (line.rstrip("\n") for line in process.stdout)
    try:
        yield process, lines
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        process.stdout.close()


def start_daemon(argv: Sequence[str], *, log_path: str) -> int:
    """Start a long-lived program (dockerd) detached from this process, its output appended to `log_path`; its PID."""
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # it must outlive this process
            close_fds=True,
        )
    return process.pid


def first_apt_error(lines: list[str]) -> str:
    """apt and mmdebstrap name the cause in their first `E:` line; the last one only says that they failed."""
    return next((line for line in lines if line.startswith("E:")), lines[-1] if lines else "no output")
