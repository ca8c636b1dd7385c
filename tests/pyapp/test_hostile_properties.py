"""Property-based (issue 19): whatever string the app holds in a field init reads, `dockwise init` either refuses
with exit 2 and one line, or writes files that parse — both Dockerfiles with the Go-grammar `dockerfile` package,
compose.yaml with `yaml.safe_load` — to exactly the instructions, flags and compose keys it writes for a plain value
of the same field, with no parser directive, no re-include in .dockerignore and no new lint finding. Nothing it prints
holds a control character.

Each field is one place app content enters: a SQLite path, an upload folder, Django's MEDIA_ROOT and settings module,
[project].name, a module's file name, a -r file name, a Procfile line, a port in the code, a README step, the app
folder's own name, a DATABASE setting's file, setup.py's install_requires, a console script's name, quart-schema's
docs path, and the --setup, --cmd and --health-path flags. `make test` runs the full profile, `make check`
a short one.
"""

from __future__ import annotations

import json
import os
import posixpath
import shlex
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.pyapp.generated import printed_safely, shape
from tests.pyapp.helpers import DJANGO, FLASK, GENERATED, run_init

BASE = {"app.py": FLASK, "requirements.txt": "flask==3.1.0\n"}
HOSTILE = [
    "\n",
    "\r",
    "\x0b",
    "\x85",
    "\u2028",
    "\x1b[2J",
    "\x1b]0;t\x07",
    "\u202e",
    "\x00",
    "\udce9",
    "$(id)",
    "${HOME}",
    "$HOME",
    "`id`",
    "'",
    '"',
    "\\",
    " ",
    "\t",
    "#",
    "\n# syntax=evil/frontend\n",
    "\n    privileged: true\n",
    "\nRUN echo pwned\n",
    ",from=x",
    ",source=/",
    "--from=x",
    "-r",
    "=",
    ": ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    "*",
    "?",
    "!",
    "..",
    "/",
    "../../",
    ";",
    "&&",
    "|",
    "é",
    "99999",
    "127.0.0.1",
    "x",
]
hostile = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=4)), min_size=1, max_size=6).map("".join)
EXAMPLES = 100 if settings.default.max_examples > 100 else 20
"""Per field: each example is a whole `dockwise init` with two lints and three parses (about 0.1 s)."""


@dataclass(frozen=True)
class Field:
    """How one value from the app enters: files (relative name -> text) and init's arguments for `value`."""

    files: Callable[[str], dict[str, str]]
    args: Callable[[str], tuple[str, ...]] = lambda value: ()
    plain: str = "x"
    rename_folder: bool = False
    base: bool = True  # False: the field's files are the whole app (a requirements.txt would win over setup.py)


def _django(settings_text: str = DJANGO["mysite/settings.py"], module: str = "mysite.settings") -> dict[str, str]:
    manage = f"import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', {module!r})\n"
    return {**DJANGO, "manage.py": manage, "mysite/settings.py": settings_text}


FIELDS = {
    "sqlite-path": Field(lambda v: {"app.py": FLASK + f"import sqlite3\nsqlite3.connect({'data/' + v + '.db'!r})\n"}),
    "upload-folder": Field(lambda v: {"app.py": FLASK + f"UPLOAD_FOLDER = {'uploads/' + v!r}\n"}),
    "media-root": Field(lambda v: _django(f"MEDIA_ROOT = {'media/' + v!r}\n")),
    "settings-module": Field(lambda v: _django(module="mysite.settings" + v), plain=""),
    "project-name": Field(lambda v: {"pyproject.toml": f"[project]\nname = {json.dumps(v)}\n"}),
    "module-file": Field(lambda v: {v + ".py": "X = 1\n"}),
    "requirements-include": Field(
        lambda v: {"requirements.txt": f"-r {shlex.quote('./' + v + '.txt')}\n", v + ".txt": "flask==3.1.0\n"}
    ),
    "procfile": Field(lambda v: {"Procfile": "web: gunicorn app:app " + v + "\n"}),
    "port-in-code": Field(lambda v: {"app.py": FLASK + f"\nif __name__ == '__main__':\n    app.run(port={v!r})\n"}),
    "readme-step": Field(lambda v: {"README.md": f"Run `flask --app {v} init-db` once.\n"}),
    "folder-name": Field(lambda v: {}, rename_folder=True),
    "setup-flag": Field(lambda v: {}, lambda v: ("--setup", "flask init-db " + v)),
    "cmd-flag": Field(lambda v: {}, lambda v: ("--cmd", "gunicorn app:app " + v)),
    "health-path-flag": Field(lambda v: {}, lambda v: ("--health-path", "/" + v)),
    "database-setting": Field(
        lambda v: {
            "app.py": FLASK + f"from pathlib import Path\nDATABASE = Path(__file__).parent / {'data/' + v + '.db'!r}\n"
        }
    ),
    "install-requires": Field(
        lambda v: {
            "setup.py": f"from setuptools import setup\nsetup(name='app', py_modules=['app'], install_requires=[{v!r}])\n",
            "app.py": FLASK,
        },
        plain="flask",
        base=False,
    ),
    "console-script": Field(
        lambda v: {
            "pyproject.toml": '[project]\nname = "app"\ndependencies = ["flask"]\n[project.scripts]\n'
            f'{json.dumps("init_" + v + "_db")} = "app:init_db"\n'
            '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
            "app/__init__.py": FLASK + "def init_db(): ...\n",
        },
        base=False,
    ),
    "extension-docs-path": Field(
        lambda v: {
            "app.py": "from quart import Quart\nfrom quart_schema import QuartSchema\napp = Quart(__name__)\n"
            f"QuartSchema(app, swagger_ui_path={'/' + v!r})\n@app.post('/e')\nasync def e(): ...\n"
        }
    ),
}


def _write(app: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = app / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8", "surrogateescape"))


def _app(parent: Path, field: Field, value: str) -> Path:
    app = parent / "app"
    files = field.files(value)
    base = {} if "manage.py" in files or not field.base else BASE
    _write(app, {**base, **files})
    if field.rename_folder:
        renamed = parent / value
        app.rename(renamed)
        app = renamed
    return app


def _plain_shape(name: str) -> dict:
    field = FIELDS[name]
    with tempfile.TemporaryDirectory() as parent:
        app = _app(Path(parent), field, field.plain)
        result = run_init(app, *field.args(field.plain))
        assert result.exit_code == 0, result.output
        return shape(app)


def _makeable(field: Field, value: str) -> bool:
    """Values a file system can hold as a name, where the field is a name."""
    if not (field.rename_folder or "module-file" in str(field.files) or "requirements" in str(field.files)):
        return True
    encoded = os.fsencode(value)
    return b"/" not in encoded and b"\x00" not in encoded and 0 < len(encoded) < 200 and value not in (".", "..")


def _not_a_write_path(name: str, value: str) -> bool:
    """Values that make the field no write path, by design: one on the container's /tmp (said in a note), and a
    sqlite3.connect() argument with `?` (a URI's query: the file is not known)."""
    prefix = {"sqlite-path": "data/", "upload-folder": "uploads/", "media-root": "media/", "database-setting": "data/"}
    on_tmpfs = name in prefix and posixpath.normpath(posixpath.join("/app", prefix[name] + value)).startswith("/tmp")
    # A database setting names a .db file inside the app: `data/.db` is a dot file and `..` leaves the folder.
    database = PurePosixPath("data/" + value + ".db")
    not_a_database = name == "database-setting" and (database.suffix != ".db" or ".." in database.parts)
    return on_tmpfs or not_a_database or (name == "sqlite-path" and "?" in value)


def _changes_the_command(name: str, value: str) -> bool:
    """`web: gunicorn app:app && X` (or `; X`) makes X the web command (what runs before it is a setup step): another
    app."""
    return name == "procfile" and ("&&" in value or ";" in value)


@pytest.mark.parametrize("name", list(FIELDS))
def test_a_hostile_value_is_refused_or_changes_nothing_but_itself(name):
    field = FIELDS[name]
    plain = _plain_shape(name)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(value=hostile)
    def check(value: str) -> None:
        names_ok = name not in ("module-file", "requirements-include", "folder-name") or _makeable(
            Field(lambda v: {}, rename_folder=True), value
        )
        assume(names_ok and not _not_a_write_path(name, value) and not _changes_the_command(name, value))
        with tempfile.TemporaryDirectory() as parent:
            try:
                app = _app(Path(parent), field, value)
            except OSError:  # a name this file system refuses
                assume(False)
            result = run_init(app, *field.args(value))
            assert printed_safely(result.output), result.output
            if result.exit_code == 2:
                lines = [line for line in result.output.splitlines() if line.strip()]
                assert len(lines) == 1 and lines[0].startswith("error: "), result.output
                assert not any((app / generated).exists() for generated in GENERATED)
                return
            assert result.exit_code == 0, result.output
            assert shape(app) == plain

    check()
