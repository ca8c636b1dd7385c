"""Bytecode validity, distributions and the import scanner, checked against the host interpreter where it can say."""

from __future__ import annotations

import _imp
import importlib.util
import py_compile
import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dockwise.slim.python_code import (
    cached_pyc,
    imported_names,
    module_files,
    pyc_matches,
    read_distribution,
    siphash13,
    sourceless_pyc,
)

KEY = int.from_bytes(importlib.util.MAGIC_NUMBER, "little")


@given(st.binary(max_size=300))
def test_siphash13_is_cpythons_source_hash(data: bytes) -> None:
    assert siphash13(KEY, 0, data).to_bytes(8, "little") == _imp.source_hash(KEY, data)


@pytest.mark.parametrize("mode", list(py_compile.PycInvalidationMode))
def test_pyc_matches_what_importlib_accepts(tmp_path: Path, mode) -> None:
    source = tmp_path / "mod.py"
    source.write_text("VALUE = 1\n")
    pyc = tmp_path / "mod.pyc"
    py_compile.compile(str(source), cfile=str(pyc), invalidation_mode=mode, doraise=True)
    stat = source.stat()
    head = pyc.read_bytes()[:16]
    assert pyc_matches(head, int(stat.st_mtime), stat.st_size, source.read_bytes)
    changed = b"VALUE = 2\n"
    expect_stale = mode is not py_compile.PycInvalidationMode.UNCHECKED_HASH
    assert (
        pyc_matches(
            head,
            int(stat.st_mtime) + (1 if mode is py_compile.PycInvalidationMode.TIMESTAMP else 0),
            stat.st_size,
            lambda: changed,
        )
        is not expect_stale
    )


def test_pyc_header_garbage() -> None:
    assert not pyc_matches(b"short", 0, 0, bytes)
    assert not pyc_matches(b"\x00" * 16, 0, 0, bytes)  # no \r\n after the magic
    timestamp = importlib.util.MAGIC_NUMBER + struct.pack("<III", 0, 7, 12)
    assert pyc_matches(timestamp, 7, 12, bytes) and not pyc_matches(timestamp, 7, 13, bytes)


def test_pep3147_locations() -> None:
    assert (
        cached_pyc("usr/lib/python3.13/json/decoder.py", "cpython-313")
        == "usr/lib/python3.13/json/__pycache__/decoder.cpython-313.pyc"
    )
    assert sourceless_pyc("usr/lib/python3.13/json/decoder.py") == "usr/lib/python3.13/json/decoder.pyc"


SOURCE = '''"""Docstring with an example:

    import docstring_only
"""
import os, sys as system
import a.b.c  # comment
from . import sibling
from .. import uncle
from .sub import (
    first,
    second,  # trailing
)
from pkg import name; import after_semicolon

try:
    import fast
except ImportError:
    import slow_fallback

class Config:
    import in_class_body

def route():
    import lazy_stdlib
    from lazy.pkg import thing
    if True:
        import nested_lazy

if TYPE_CHECKING:
    import only_for_types

if __name__ == "__main__":
    import only_as_script

import back_at_module_level
'''


def test_imported_names_executed_and_lazy() -> None:
    found = imported_names(SOURCE, "top.mod", is_package=False)
    assert found.executed == {
        "os",
        "sys",
        "a.b.c",
        "top",
        "top.sibling",
        "top.sub",
        "top.sub.first",
        "top.sub.second",
        "pkg",
        "pkg.name",
        "after_semicolon",
        "fast",
        "in_class_body",
        "back_at_module_level",
    }  # `from .. import uncle` climbs above the top package: nothing to resolve
    assert found.lazy == {"lazy_stdlib", "lazy.pkg", "lazy.pkg.thing", "nested_lazy"}
    every = found.executed | found.lazy
    for absent in ("docstring_only", "slow_fallback", "only_for_types", "only_as_script"):
        assert absent not in every


def test_relative_import_in_package_init() -> None:
    found = imported_names("from . import core\nfrom .util import x\n", "pkg.sub", is_package=True)
    assert found.executed == {"pkg.sub", "pkg.sub.core", "pkg.sub.util", "pkg.sub.util.x"}


def test_module_files() -> None:
    files = {"lib/json/__init__.py", "lib/json/decoder.py", "lib/os.py", "dyn/_ssl.cpython-313-x86_64-linux-gnu.so"}
    suffixes = (".cpython-313-x86_64-linux-gnu.so", ".so")
    assert module_files("json.decoder", ["lib"], files.__contains__, suffixes) == [
        "lib/json/__init__.py",
        "lib/json/decoder.py",
    ]
    assert module_files("json.loads", ["lib"], files.__contains__, suffixes) == ["lib/json/__init__.py"]
    assert module_files("_ssl", ["lib", "dyn"], files.__contains__, suffixes) == [
        "dyn/_ssl.cpython-313-x86_64-linux-gnu.so"
    ]
    assert module_files("os.path", ["lib"], files.__contains__, suffixes) == []  # os is a module, not a package
    assert module_files("missing", ["lib"], files.__contains__, suffixes) == []


def test_read_distribution() -> None:
    metadata = (
        "Metadata-Version: 2.1\nName: Flask\nVersion: 3.1.3\nRequires-Dist: Werkzeug>=3.1\n"
        'Requires-Dist: blinker (>=1.9)\nRequires-Dist: asgiref>=3.2; extra == "async"\n'
        'Requires-Dist: importlib_metadata; python_version < "3.10"\n\nRequires-Dist: not a header\n'
    )
    record = 'flask/__init__.py,sha256=x,100\nflask/app.py,,\n../../../bin/flask,sha256=y,10\n"odd,name.py",,\n'
    dist = read_distribution("opt/venv/lib/python3.13/site-packages/flask-3.1.3.dist-info", metadata, record)
    assert (dist.name, dist.version) == ("Flask", "3.1.3")
    assert dist.requires == ("werkzeug", "blinker", "importlib-metadata")
    assert dist.files == (
        "opt/venv/lib/python3.13/site-packages/flask/__init__.py",
        "opt/venv/lib/python3.13/site-packages/flask/app.py",
        "opt/venv/bin/flask",
        "opt/venv/lib/python3.13/site-packages/odd,name.py",
    )
