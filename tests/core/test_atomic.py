"""`-o FILE` and every other whole-file write (issue 15): a symlink's target is written and the link kept, a FIFO or
device is written in place (never replaced by a regular file), the temporary file sits beside the destination (no
cross-filesystem rename), and a failed write leaves the destination as it was."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from dockwise.core.atomic import atomic_file, write_text
from dockwise.core.errors import DockwiseError


def test_a_symlink_destination_writes_its_target(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write_text(link, "new\n")
    assert link.is_symlink() and target.read_text() == "new\n"


def test_a_fifo_destination_is_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_text(fifo, "report\n")
    reader.join(timeout=10)
    assert received == [b"report\n"] and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    # The same path keeps `-o /dev/null` a device; not tested on /dev/null itself: a regression would replace it.


def test_the_temporary_file_sits_beside_the_destination(tmp_path):
    other = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else tmp_path
    destination = other / f"dockwise-test-{os.getpid()}.txt"
    try:
        write_text(destination, "x\n")
        assert destination.read_text() == "x\n"
        assert not [p for p in other.iterdir() if p.name.startswith(f".{destination.name}.")]
    finally:
        destination.unlink(missing_ok=True)


def test_a_failed_write_leaves_the_destination_and_no_debris(tmp_path):
    destination = tmp_path / "report.txt"
    destination.write_text("before\n")
    with pytest.raises(RuntimeError), atomic_file(destination) as handle:
        handle.write("half")
        raise RuntimeError("interrupted")
    assert destination.read_text() == "before\n" and [p.name for p in tmp_path.iterdir()] == ["report.txt"]


def test_a_missing_directory_is_one_error(tmp_path):
    with pytest.raises(DockwiseError) as raised:
        write_text(tmp_path / "no" / "such" / "dir.txt", "x")
    assert raised.value.exit_code == 2
