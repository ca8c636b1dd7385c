"""Platforms without an engine: names, engine tags, the arm64 probe program, streamed probes and their results."""

from __future__ import annotations

import struct
import sys

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.core.platform import ARM64, DEFAULT_PLATFORM, parse_platform, platform_of
from dockwise.engine.emulation import arm64_exit0, parse_platforms
from dockwise.measure import http_faults
from dockwise.measure.reach import Emitted, HostReach, PodReach
from dockwise.slim.elf import read_elf


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("linux/amd64", DEFAULT_PLATFORM),
        ("amd64", DEFAULT_PLATFORM),
        ("linux/x86_64", DEFAULT_PLATFORM),
        ("linux/arm64", ARM64),
        ("linux/arm64/v8", ARM64),
        ("aarch64", ARM64),
    ],
)
def test_platform_names(text, expected):
    assert parse_platform(text) == expected


@pytest.mark.parametrize("text", ["linux/riscv64", "windows/amd64", "linux/arm64/v7", ""])
def test_unknown_platforms_are_usage_errors(text):
    with pytest.raises(DockwiseError) as caught:
        parse_platform(text)
    assert caught.value.exit_code == 2


def test_platform_lists_keep_order_and_drop_repeats():
    assert parse_platforms("linux/arm64, linux/amd64,linux/arm64") == [ARM64, DEFAULT_PLATFORM]
    with pytest.raises(DockwiseError):
        parse_platforms(" , ")


def test_engine_tags_say_the_platform_but_for_the_default():
    assert DEFAULT_PLATFORM.tag("dockwise/python:3.13-slim") == "dockwise/python:3.13-slim"
    assert ARM64.tag("dockwise/python:3.13-slim") == "dockwise/python:3.13-slim-arm64"
    assert ARM64.oci() == {"architecture": "arm64", "os": "linux", "variant": "v8"}
    assert DEFAULT_PLATFORM.oci() == {"architecture": "amd64", "os": "linux"}
    assert platform_of({"os": "linux", "architecture": "arm64"}) == ARM64 and platform_of({}) is None


def test_the_arm64_probe_program_is_a_static_aarch64_executable():
    program = arm64_exit0()
    elf = read_elf(program)
    assert elf.interpreter is None and elf.needed == ()
    (machine,) = struct.unpack_from("<H", program, 18)
    (entry,) = struct.unpack_from("<Q", program, 24)
    assert machine == 0xB7 and 0x400000 < entry < 0x400000 + len(program)
    # qemu-user-static's binfmt_misc rule for aarch64 (Debian's /usr/lib/binfmt.d/qemu-aarch64.conf) matches it
    magic = bytes.fromhex("7f454c460201010000000000000000000200b700")
    mask = bytes.fromhex("ffffffffffffff00fffffffffffffffffeffffff")
    assert bytes(b & m for b, m in zip(program[:20], mask)) == bytes(b & m for b, m in zip(magic, mask))


def test_probe_results_cross_as_json():
    value = {
        "slow": http_faults.SlowClientResult(200, 198, 200, 4.5),
        "raw": http_faults.RawResponse(400, b"HTTP/1.1 400 Bad\r\n\r\n\xff"),
        "n": [1, None],
    }
    import json

    assert http_faults.decode(json.loads(json.dumps(http_faults.encode(value)))) == value


def test_a_streamed_probe_on_the_host_says_its_lines_then_its_result():
    def probe(port, *, emit, word):
        emit("polling")
        emit(word)
        return port * 2

    with HostReach(21).stream(probe, word="up") as emitted:
        assert list(emitted.lines) == ["polling", "up"]
    assert emitted.result == 42


def test_a_probe_in_the_helper_is_read_line_by_line():
    """The helper's output arrives in arbitrary chunks (stdout and stderr apart); lines and the result come out
    whole."""
    reach = PodReach(helper=None, port=5000)
    emitted = Emitted(iter(()))
    chunks = [(b"E pol", None), (b"ling\nE st", b"warn"), (b'op\nR {"completed": 3', None), (b"}\n", None)]
    emitted.lines = reach._lines("exec-id", iter(chunks), emitted)
    assert list(emitted.lines) == ["polling", "stop"]
    assert emitted.result == {"completed": 3}


def test_the_helper_runs_http_faults_from_its_own_source():
    """What runs in the helper is this module's source plus the runner: standard library only, so it runs there."""
    import ast
    import inspect

    from dockwise.engine import http_status

    def imported(module) -> set[str]:
        tree = ast.parse(inspect.getsource(module))
        names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        return names | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}

    assert {name for name in imported(http_faults) if name.startswith("dockwise")} == {http_status.__name__}
    assert not {name for name in imported(http_status) if name.startswith("dockwise")}
    argv = PodReach(helper=None, port=8000)._python(http_faults.get_status, {"path": "/healthz"})
    assert argv[0] == "python3" and argv[3] == "get_status" and '"port": 8000' in argv[4]
    compile(argv[2], "<helper>", "exec")
    # Run as the helper runs it: an interpreter without dockwise (-I: no user site, cwd not on the path), a port
    # nothing listens on (a socket bound, never listening).
    import socket
    import subprocess

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        argv = PodReach(helper=None, port=closed.getsockname()[1])._python(http_faults.get_status, {"path": "/"})
        done = subprocess.run([sys.executable, "-I", "-S", "-c", *argv[2:]], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stdout.strip() == "R null", done.stderr
