"""The keep-set on a small, real file system: every rule, and what each one leaves out."""

from __future__ import annotations

import struct

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.slim.keep import APP, INCLUDED, METADATA, NEEDED, PYTHON, TRACED, Options, compute_keep_set
from dockwise.slim.trace import ProcessTrace, PythonProcess
from tests.slim.helpers import make_elf, make_rootfs, opened, trace_of

MTIME = 1_700_000_000
GNU = "usr/lib/x86_64-linux-gnu"
STDLIB = "usr/lib/python3.13"
SITE = "opt/venv/lib/python3.13/site-packages"


def _pyc(source_mtime: int, size: int) -> bytes:
    return b"\xf3\x0d\r\n" + struct.pack("<III", 0, source_mtime, size) + b"code"


def _module(tree: dict, path: str, text: str, *, pyc: str = "valid") -> None:
    tree[path] = text.encode()
    if pyc != "none":
        directory, name = path.rsplit("/", 1)
        tree[f"{directory}/__pycache__/{name[:-3]}.cpython-313.pyc"] = _pyc(MTIME if pyc == "valid" else 1, len(text))


def _tree() -> dict:
    tree: dict = {
        "usr/bin/python3.13": make_elf(("libm.so.6", "libc.so.6"), interpreter="/lib64/ld-linux-x86-64.so.2"),
        "lib64": "->usr/lib/x86_64-linux-gnu",
        f"{GNU}/ld-linux-x86-64.so.2": make_elf(),
        f"{GNU}/libc.so.6": make_elf(("ld-linux-x86-64.so.2",)),
        f"{GNU}/libm.so.6": "->libm.so.6.0",
        f"{GNU}/libm.so.6.0": make_elf(("libc.so.6",)),
        f"{GNU}/libssl.so.3": make_elf(("libc.so.6",)),
        f"{GNU}/libunused.so.1": make_elf(("libc.so.6",)),
        f"{STDLIB}/lib-dynload/_ssl.cpython-313-x86_64-linux-gnu.so": make_elf(("libssl.so.3",)),
        f"{STDLIB}/unused.py": b"import fractions\n",
        f"{SITE}/flask-3.1.dist-info/METADATA": b"Name: Flask\nVersion: 3.1\nRequires-Dist: werkzeug\n",
        f"{SITE}/flask-3.1.dist-info/RECORD": b"flask/__init__.py,,\nflask/app.py,,\nflask-3.1.dist-info/METADATA,,\n",
        f"{SITE}/flask/__init__.py": b"from .app import Flask\n",
        f"{SITE}/flask/app.py": b"class Flask: pass\n",
        f"{SITE}/werkzeug-3.1.dist-info/METADATA": b"Name: Werkzeug\nVersion: 3.1\n",
        f"{SITE}/werkzeug-3.1.dist-info/RECORD": b"werkzeug/__init__.py,,\nwerkzeug/debug.py,,\n",
        f"{SITE}/werkzeug/__init__.py": b"",
        f"{SITE}/werkzeug/debug.py": b"def page():\n    import unused_by_the_app_too\n",
        f"{SITE}/extra-1.0.dist-info/METADATA": b"Name: extra\nVersion: 1.0\n",
        f"{SITE}/extra-1.0.dist-info/RECORD": b"extra/__init__.py,,\n",
        f"{SITE}/extra/__init__.py": b"",
        "app/web_app.py": b"import flask\n\ndef lazy_route():\n    import statistics\n    return statistics\n",
        "app/notes.txt": b"kept: the WORKDIR is the app\n",
        "etc/passwd": b"root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
        "etc/group": b"root:x:0:\nnonroot:x:65532:\n",
        "home/nonroot": None,
        "tmp": None,
        "etc/ssl/certs/ca-certificates.crt": b"-----BEGIN CERTIFICATE-----\n",
        "var/lib/dpkg/status.d/libc6": b"Package: libc6\nVersion: 2.41\nArchitecture: amd64\n",
        "var/lib/dpkg/status.d/libc6.md5sums": f"0123  {GNU}/libc.so.6\n0456  usr/share/doc/libc6/copyright\n".encode(),
        "usr/share/doc/libc6/copyright": b"libc6 copyright\n",
        "var/lib/dpkg/status.d/libunused1": b"Package: libunused1\nVersion: 1\nArchitecture: amd64\n",
        "var/lib/dpkg/status.d/libunused1.md5sums": f"0789  {GNU}/libunused.so.1\n0790  {GNU}\n".encode(),
        "usr/share/doc/libunused1/copyright": b"unused copyright\n",
        "srv/data/table.csv": b"a,b\n",
        "var/log/app": None,
        "etc/os-release": "->../usr/lib/os-release",
        "usr/lib/os-release": b"ID=debian\nVERSION_ID=13\n",
    }
    _module(tree, f"{STDLIB}/os.py", "# os\n")
    _module(tree, f"{STDLIB}/json/__init__.py", "from .decoder import JSONDecoder\n")
    _module(tree, f"{STDLIB}/json/decoder.py", "class JSONDecoder: pass\n", pyc="stale")
    _module(tree, f"{STDLIB}/statistics.py", "import fractions\n\ndef mean():\n    import random\n", pyc="none")
    _module(tree, f"{STDLIB}/fractions.py", "import math\n")
    _module(tree, f"{STDLIB}/random.py", "import math\n")
    return tree


CONFIG = {
    "User": "65532:65532",
    "WorkingDir": "/app",
    "Env": ["PATH=/usr/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"],
}


def _trace():
    python = PythonProcess(
        10,
        "/usr/bin/python3.13",
        "/usr",
        "/usr",
        ("/app", "/usr/lib/python3.13", "/usr/lib/python3.13/lib-dynload", "/opt/venv/lib/python3.13/site-packages"),
        "cpython-313",
        (".cpython-313-x86_64-linux-gnu.so", ".so"),
        "3.13.5",
        {"sys": None, "os": f"/{STDLIB}/os.py", "json": f"/{STDLIB}/json/__init__.py"},
    )
    main = opened(
        f"/{GNU}/libc.so.6",
        f"/{GNU}/libm.so.6",
        f"/{STDLIB}/json/__pycache__/__init__.cpython-313.pyc",
        f"/{STDLIB}/json/__init__.py",
        f"/{SITE}/flask/__init__.py",
        "/app/web_app.py",
        f"/{STDLIB}/lib-dynload/_ssl.cpython-313-x86_64-linux-gnu.so",
        "/.dockwise-trace/python.jsonl",
        "/proc/self/maps",
        "/tmp/created-at-run-time",
        "/var/log/app/today/access.log",
    )
    main = ProcessTrace(10, main.calls, (), ("/usr/bin/python3.13",), "exited with 0")
    return trace_of(main, python=[python])


def _keep(options: Options = Options()):
    return compute_keep_set(make_rootfs(_tree()), _trace(), CONFIG, options)


def test_traced_and_elf_closure() -> None:
    kept = _keep().kept
    assert kept["usr/bin/python3.13"].reason.kind == TRACED
    assert kept[f"{GNU}/libm.so.6"].reason.kind == TRACED  # the symlink the process named...
    assert kept[f"{GNU}/libm.so.6.0"].reason.kind == TRACED  # ...and what it reaches
    assert kept[f"{GNU}/ld-linux-x86-64.so.2"].reason.kind == NEEDED
    assert "program interpreter" in kept[f"{GNU}/ld-linux-x86-64.so.2"].reason.detail
    assert kept["lib64"].reason.kind == NEEDED  # the symlink on the way to the loader
    assert kept[f"{GNU}/libssl.so.3"].reason.detail.startswith(
        "DT_NEEDED libssl.so.3 of /usr/lib/python3.13/lib-dynload/"
    )
    assert f"{GNU}/libunused.so.1" not in kept
    assert not any(path.startswith((".dockwise", "proc", "tmp/")) for path in kept)


def test_python_rules() -> None:
    kept = _keep().kept
    assert kept[f"{SITE}/flask/app.py"].reason.kind == PYTHON  # whole distribution
    assert kept[f"{SITE}/werkzeug/debug.py"].reason.detail.startswith("distribution Werkzeug 3.1, required by Flask")
    assert f"{SITE}/extra/__init__.py" not in kept and f"{SITE}/extra-1.0.dist-info/METADATA" not in kept
    assert kept[f"{SITE}/flask-3.1.dist-info/RECORD"].reason.kind == METADATA
    assert kept[f"{STDLIB}/statistics.py"].reason.detail == "stdlib module statistics, imported by /app/web_app.py"
    assert f"{STDLIB}/fractions.pyc" in kept  # executed when statistics is imported, kept as bytecode
    assert f"{STDLIB}/random.py" not in kept and f"{STDLIB}/random.pyc" not in kept  # lazy inside the stdlib
    assert f"{STDLIB}/unused.py" not in kept
    assert kept["app/notes.txt"].reason.kind == APP


def test_bytecode_rules() -> None:
    kept = _keep().kept
    moved = kept[f"{STDLIB}/json/__init__.pyc"]
    assert (
        moved.source == f"{STDLIB}/json/__init__.py"
        and moved.data == f"{STDLIB}/json/__pycache__/__init__.cpython-313.pyc"
    )
    assert f"{STDLIB}/json/__init__.py" not in kept
    assert f"{STDLIB}/json/decoder.py" in kept and f"{STDLIB}/json/decoder.pyc" not in kept  # stale bytecode: source
    assert not any("__pycache__" in path and path.startswith(STDLIB) for path in kept)
    assert f"{STDLIB}/os.py" in kept and f"{STDLIB}/os.pyc" not in kept  # the landmark stays source


def test_runtime_and_metadata() -> None:
    keep = _keep()
    kept = keep.kept
    assert kept["etc/passwd"].content == b"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
    assert kept["etc/group"].content == b"nonroot:x:65532:\n"
    assert "home/nonroot" in kept and "tmp" in kept and "etc/ssl/certs/ca-certificates.crt" in kept
    assert kept["var/log/app"].reason.detail == "directory of /var/log/app/today/access.log, named at run time"
    assert "etc/os-release" in kept and kept["usr/lib/os-release"].reason.kind == METADATA
    assert keep.debian_packages == ("libc6",)
    assert "usr/share/doc/libc6/copyright" in kept and "var/lib/dpkg/status.d/libc6" in kept
    assert "var/lib/dpkg/status.d/libc6.md5sums" not in kept
    assert not any("libunused" in path for path in kept)
    assert {d.name for d in keep.distributions} == {"Flask", "Werkzeug"}
    for path in kept:  # every parent directory is there
        parent = path.rpartition("/")[0]
        assert not parent or parent in kept


def test_only_traced_modules_keeps_less_and_says_what() -> None:
    keep = _keep(Options(only_traced=True))
    assert f"{SITE}/flask/app.py" not in keep.kept and f"{STDLIB}/statistics.py" not in keep.kept
    assert f"{SITE}/flask/__init__.py" in keep.kept
    assert f"/{STDLIB}/statistics.py" in keep.left_out and f"/{SITE}/flask/app.py" in keep.left_out
    assert any(f"{len(keep.left_out)} Python files" in note for note in keep.notes)


def test_keep_stdlib_and_includes() -> None:
    keep = _keep(Options(includes=("/srv/data",), keep_stdlib=True))
    assert keep.kept["srv/data/table.csv"].reason.kind == INCLUDED
    assert f"{STDLIB}/unused.pyc" in keep.kept or f"{STDLIB}/unused.py" in keep.kept
    with pytest.raises(DockwiseError) as caught:
        _keep(Options(includes=("/no/such",)))
    assert caught.value.exit_code == 2
