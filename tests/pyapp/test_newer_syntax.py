"""Code written for Python 3.12/3.13 is read on the host's 3.11, its facts found on their lines; code no Python
dockwise builds reads is told apart by its line (hermetic: no network, no engine)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.pyapp.detect import InitOptions, detect
from dockwise.pyapp.entry import find_candidates
from dockwise.pyapp.scan import Module, Unparsed, read_module

FLASK_APP = "from flask import Flask\napp = Flask(__name__)\n"

# (construct, the version that reads it): each is followed by FLASK_APP, whose `app =` must stay on its line.
CONSTRUCTS = {
    "type-statement": ("type Point = tuple[float, float]\n", "3.12"),
    "generic-type-statement": ("type Pair[T] = tuple[T, T]\n", "3.12"),
    "generic-function": ("def first[T](xs: list[T]) -> T:\n    return xs[0]\n", "3.12"),
    "generic-class": ("class Box[T: (int, str), *Ts, **P]:\n    pass\n", "3.12"),
    "async-generic": ("async def echo[T](x: T) -> T:\n    return x\n", "3.12"),
    "parameters-over-lines": ("def f[\n    T,\n    U,\n](x: T) -> U: ...\n", "3.12"),
    "alias-over-lines": ("type Table[\n    K,\n] = dict[\n    K, int\n]\n", "3.12"),
    "parameter-default": ("class Node[T = str]:\n    pass\n", "3.13"),
    "fstring-same-quotes": ('d = {"k": 1}\ns = f"{d["k"]}"\n', "3.12"),
    "fstring-nested": ('x = 1\ns = f"{f"{f"{x}"}"}"\n', "3.12"),
    "fstring-backslash": ("xs = ['a']\ns = f\"{'\\n'.join(xs)}\"\n", "3.12"),
    "fstring-comment-over-lines": ('x = 1\ns = f"{x  # the value\n}"\n', "3.12"),
    "fstring-nested-spec": ('w = 10\ns = f"{3.14:{"<"}{w}}"\n', "3.12"),
    "fstring-debug-in-new-quotes": ('x = {"k": 1}\ns = f"{x["k"] = !r:>10}"\n', "3.12"),
    "fstring-concatenated": ('d = {"k": 1}\ns = "a" f"{d["k"]}" "b"\n', "3.12"),
    "fstring-triple-quoted": ('xs = [\'a\']\ns = f"""say "{\'\\n\'.join(xs)}"\nover "{xs}" lines"""\n', "3.12"),
}


def parsed(tmp_path: Path, text: str, name: str = "app.py") -> Module | Unparsed:
    (tmp_path / name).write_text(text)
    return read_module(tmp_path, name)


@pytest.mark.parametrize("name", CONSTRUCTS)
def test_each_newer_construct_is_read_and_the_app_after_it_found_on_its_line(tmp_path, name):
    construct, version = CONSTRUCTS[name]
    module = parsed(tmp_path, construct + FLASK_APP)
    assert isinstance(module, Module), module
    assert module.newer is not None and module.newer.version == version
    line = module.newer.evidence.line or 0
    assert line == (1 if name.startswith(("type", "generic", "async", "parameter", "alias")) else 2)
    assert module.newer.evidence.excerpt == construct.split("\n")[line - 1].strip()
    [candidate] = find_candidates([module])
    assert candidate.target == "app:app" and candidate.framework == "flask"
    assert candidate.evidence.line == construct.count("\n") + 2  # the line `app = Flask(__name__)` is on


def test_code_the_host_reads_is_not_rewritten_and_needs_no_libcst(tmp_path):
    (tmp_path / "app.py").write_text(FLASK_APP + 'type = "soft keyword"\nprint(type(type))\n')
    script = (
        "import sys; from pathlib import Path; from dockwise.pyapp.scan import read_module; "
        f"m = read_module(Path({str(tmp_path)!r}), 'app.py'); "
        "assert m.newer is None and 'libcst' not in sys.modules, sys.modules.keys()"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_an_f_string_rewritten_keeps_the_expressions_it_formats(tmp_path):
    module = parsed(tmp_path, 'import os\nport = f"{os.environ["PORT"]!r:>{"5"}}"\n')
    assert isinstance(module, Module)
    import ast

    code = ast.unparse(module.tree)
    assert "os.environ['PORT']" in code and "repr(" in code
    assert module.newer is not None and module.newer.evidence.where() == "app.py:2"


NEWER_APP = """\
import sqlite3
from pathlib import Path

from flask import Flask

type JSON = dict[str, "JSON"] | list["JSON"] | str | int | None

DATABASE = Path(__file__).parent / "notes.sqlite3"


def first[
    T = str,
](items: list[T]) -> T:
    return items[0]


app = Flask(__name__)


@app.get("/healthz")
def health() -> JSON:
    return {"status": f"{app.config["ENV"]!r}", "note": f"{
        "over lines"  # a comment inside
    }"}


def connect() -> sqlite3.Connection:
    return sqlite3.connect(DATABASE)


if __name__ == "__main__":
    app.run(port=5001)
"""


def newer_app(tmp_path: Path, **files: str) -> Path:
    (tmp_path / "app.py").write_text(NEWER_APP)
    (tmp_path / "requirements.txt").write_text("flask==3.1.0\n")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_facts_of_an_app_written_for_313_and_its_python(tmp_path):
    found = detect(newer_app(tmp_path))
    assert found.candidate is not None and found.candidate.evidence.where() == "app.py:17"
    assert found.port == 5001
    assert found.health_path == "/healthz"
    assert [(str(w.path), w.evidence.where()) for w in found.writable] == [("/app/notes.sqlite3", "app.py:28")]
    assert found.python.version == "3.13"
    assert found.python.evidence is not None and found.python.evidence.where() == "app.py:11"
    assert "PEP 696" in str(found.python.evidence)


def test_a_classifier_for_311_gives_way_to_313_for_newer_syntax(tmp_path):
    app = newer_app(
        tmp_path,
        **{
            "pyproject.toml": '[project]\nname = "notes"\nversion = "1"\nrequires-python = ">=3.10"\n'
            'classifiers = ["Programming Language :: Python :: 3.11"]\n'
        },
    )
    (app / "app.py").write_text(NEWER_APP.replace("T = str", "T"))
    found = detect(app)
    assert found.python.version == "3.13" and "PEP 695" in str(found.python.evidence)


@pytest.mark.parametrize(
    "files, options, named",
    [
        ({".python-version": "3.11\n"}, {}, ".python-version:1 pins Python 3.11"),
        ({}, {"python": "3.11"}, "--python names Python 3.11"),
        ({"pyproject.toml": '[project]\nname = "n"\nversion = "1"\nrequires-python = "<3.12"\n'}, {}, "allows only"),
    ],
)
def test_a_python_that_cannot_read_the_code_is_refused(tmp_path, files, options, named):
    with pytest.raises(DockwiseError) as raised:
        detect(newer_app(tmp_path, **files), InitOptions(**options))
    assert named in raised.value.cause and "app.py:11" in raised.value.cause
    assert "needs Python 3.13 or newer" in raised.value.cause


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("x = (1,\ny = 2\n", 1, "'(' was never closed"),
        ("def f(:\n    pass\n", 1, "invalid syntax"),
        ("def f[T](x: T) -> T:\n    return x\nprint 'python 2'\n", 3, "invalid syntax"),
        ("1 = x\n", 1, "cannot assign to literal"),  # LibCST's grammar allows it; the host has the last word
        ('s = f"{x"\n', 1, "f-string"),
        ("x = 1\n\0\n", 2, ""),
    ],
)
def test_a_real_syntax_error_is_told_by_its_line(tmp_path, text, line, words):
    found = parsed(tmp_path, text)
    assert isinstance(found, Unparsed), found
    assert found.line == line and words in found.message
    assert found.error().cause.startswith(f"app.py:{line}: ")


def test_a_pin_between_the_bases_goes_to_the_one_that_reads_the_code(tmp_path):
    app = newer_app(tmp_path, **{".python-version": "3.12\n"})
    with pytest.raises(DockwiseError, match="pins Python 3.12, but app.py:11 uses a type parameter default"):
        detect(app)
    (app / "app.py").write_text(NEWER_APP.replace("T = str", "T"))
    found = detect(app)
    assert found.python.version == "3.13" and found.python.wanted == "3.12"
    assert "the nearest that reads app.py:6 (a `type` statement (PEP 695)), 3.13" in found.python.warnings[0]
    (tmp_path / "app.py").write_text(FLASK_APP)
    assert detect(tmp_path).python.version == "3.11"  # the older of the two on a tie, when the code allows it


def test_a_syntax_error_the_app_imports_through_relative_imports_is_refused_else_noted(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (tmp_path / "requirements.txt").write_text("flask==3.1.0\n")
    (package / "__init__.py").write_text(FLASK_APP + "from . import views\n")
    (package / "views.py").write_text("from .helpers import shout\n")
    (package / "helpers.py").write_text("def shout(x):\n    print 'python 2', x\n")
    with pytest.raises(DockwiseError) as raised:
        detect(tmp_path)
    assert raised.value.cause.startswith("pkg/helpers.py:2: ") and raised.value.exit_code == 2
    (package / "views.py").write_text("VIEWS = []\n")
    found = detect(tmp_path)
    assert found.candidate is not None and found.candidate.target == "pkg:app"
    assert any(note.startswith("pkg/helpers.py:2: ") and "skipped" in note for note in found.notes)
