"""The host's view of a local container's process, read from the host's /proc: an outside check that the tests use
beside what dockwise measures through the engine (which never reads the host's /proc)."""

from __future__ import annotations

from pathlib import Path


def proc_uid(pid: int) -> int | None:
    """Real uid of a host process."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Uid:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_cmdline(pid: int) -> tuple[str, ...]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ()
    return tuple(part.decode(errors="replace") for part in raw.split(b"\0") if part)
