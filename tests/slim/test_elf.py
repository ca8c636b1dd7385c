"""ELF dynamic facts, against binutils' readelf on real binaries and on ELF files built byte by byte."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dockwise.slim.elf import ElfError, LibrarySearch, exec_interpreter, ld_so_conf_dirs, read_elf
from tests.slim.helpers import make_elf

HOST_ELF_FILES = [
    Path(sys.executable).resolve(),
    Path("/bin/ls").resolve(),
    *sorted(Path(sys.base_prefix, "lib").glob("python3*/lib-dynload/_ssl*.so"))[:1],
]


def _readelf(path: Path) -> dict:
    dynamic = subprocess.run(["readelf", "-d", "-W", str(path)], capture_output=True, text=True, check=True).stdout
    program = subprocess.run(["readelf", "-l", "-W", str(path)], capture_output=True, text=True, check=True).stdout

    def values(kind: str) -> tuple[str, ...]:
        return tuple(re.findall(rf"\({kind}\)\s+[^\[]*\[(.*?)\]", dynamic))

    interpreter = re.search(r"Requesting program interpreter: (.*?)\]", program)
    return {
        "needed": values("NEEDED"),
        "soname": (values("SONAME") or (None,))[0],
        "runpath": tuple(p for v in values("RUNPATH") for p in v.split(":")),
        "rpath": tuple(p for v in values("RPATH") for p in v.split(":")),
        "interpreter": interpreter.group(1) if interpreter else None,
    }


@pytest.mark.skipif(shutil.which("readelf") is None, reason="binutils' readelf is not installed")
@pytest.mark.parametrize("path", [p for p in HOST_ELF_FILES if p.is_file()], ids=lambda p: p.name)
def test_matches_readelf_on_real_binaries(path: Path) -> None:
    info = read_elf(path.read_bytes())
    expected = _readelf(path)
    assert (info.needed, info.soname, info.runpath, info.rpath, info.interpreter) == (
        expected["needed"],
        expected["soname"],
        expected["runpath"],
        expected["rpath"],
        expected["interpreter"],
    )
    assert info.needed, "a dynamically linked program needs at least libc"


@pytest.mark.parametrize("big_endian", [False, True])
def test_synthetic_elf_round_trips(big_endian: bool) -> None:
    data = make_elf(
        ("libc.so.6", "libz.so.1"),
        interpreter="/lib64/ld.so",
        runpath="$ORIGIN/../lib:/opt/x",
        soname="libq.so.2",
        big_endian=big_endian,
    )
    info = read_elf(data)
    assert info.needed == ("libc.so.6", "libz.so.1")
    assert info.interpreter == "/lib64/ld.so"
    assert info.runpath == ("$ORIGIN/../lib", "/opt/x")
    assert info.soname == "libq.so.2"


@pytest.mark.parametrize("cut", [10, 63, 100, 140])
def test_truncated_elf_is_an_error_not_a_crash(cut: int) -> None:
    data = make_elf(("libc.so.6",), interpreter="/lib64/ld.so")
    with pytest.raises(ElfError):
        read_elf(data[:cut])


def test_not_elf() -> None:
    with pytest.raises(ElfError):
        read_elf(b"#!/bin/sh\necho hi\n" * 10)


def test_exec_interpreter_of_script_and_elf() -> None:
    assert exec_interpreter(b"#!/opt/venv/bin/python3.13 -u\nimport x\n") == "/opt/venv/bin/python3.13"
    assert exec_interpreter(make_elf(("libc.so.6",), interpreter="/lib64/ld.so")) == "/lib64/ld.so"
    assert exec_interpreter(b"plain text") is None


def test_library_search_order() -> None:
    present = {
        "opt/app/lib/libfoo.so",
        "usr/lib/x86_64-linux-gnu/libfoo.so",
        "custom/libbar.so",
        "usr/lib/x86_64-linux-gnu/libbar.so",
        "env/libbaz.so",
        "usr/lib/libbaz.so",
    }
    search = LibrarySearch(ld_library_path=("env",), configured_dirs=("custom",))
    with_runpath = read_elf(make_elf(("libfoo.so",), runpath="$ORIGIN/../lib"))
    assert search.find("libfoo.so", "opt/app/bin", with_runpath, present.__contains__) == "opt/app/lib/libfoo.so"
    plain = read_elf(make_elf(("libbar.so",)))
    assert search.find("libbar.so", "usr/bin", plain, present.__contains__) == "custom/libbar.so"
    assert search.find("libbaz.so", "usr/bin", plain, present.__contains__) == "env/libbaz.so"
    assert search.find("libnone.so", "usr/bin", plain, present.__contains__) is None


def test_ld_so_conf_includes() -> None:
    files = {
        "etc/ld.so.conf": "include /etc/ld.so.conf.d/*.conf\n/opt/extra/lib # comment\n",
        "etc/ld.so.conf.d/a.conf": "/usr/local/lib\n",
        "etc/ld.so.conf.d/b.conf": "/usr/lib/x86_64-linux-gnu/libfakeroot\n",
        "etc/ld.so.conf.d/README": "/not/this\n",
    }
    listing = {"etc/ld.so.conf.d": ["a.conf", "b.conf", "README"]}
    dirs = ld_so_conf_dirs(files.get, lambda d: listing.get(d, []))
    assert dirs == ("usr/local/lib", "usr/lib/x86_64-linux-gnu/libfakeroot", "opt/extra/lib")
