"""Whether a setup step destroys data, or fails when it runs again: such a step runs once per data volume, ever,
never at every start (nor once per release).

The step's command is followed into the app's own code: a Flask CLI command's function (`flask --app flaskr
init-db`), a script's top level (`python create_db.py`), or the function a console script of the project names
(`init_db` for `[tool.poetry.scripts] init_db = "blog:init_db"`), then the functions of the app it calls, a few levels
deep. What destroys data:

- SQL that drops or empties tables, in the code or in a .sql file the code names::

      with current_app.open_resource("schema.sql") as f:     # schema.sql: DROP TABLE IF EXISTS user;
          db.executescript(f.read().decode("utf8"))

  (`DROP TABLE`, `DROP DATABASE`, `DROP SCHEMA`, `TRUNCATE`, `DELETE FROM t` without a WHERE);
- SQLAlchemy's `db.drop_all()`;
- deleting the database file: `os.remove(DATABASE)`, `Path(db_path).unlink()`, `shutil.rmtree(data_dir)`;
- Django's `manage.py flush` and `reset_db`.

What fails when it runs again: adding a row whose value in a unique column is a literal, so the second run adds the
same value and the database refuses it (a second release would not start)::

    class Page(Base):
        title = Column(Text, unique=True)

    def main(argv=sys.argv):                                 # initialize_tutorial_db development.ini
        Base.metadata.create_all(engine)
        with transaction.manager:
            DBSession.add(Page(title="Root", body="<p>Root</p>"))

A step that only adds (`CREATE TABLE IF NOT EXISTS`, `manage.py migrate`, `db.create_all()`) is run once per release
and data volume.
"""

from __future__ import annotations

import ast
import re
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.layouts.project import ConsoleScript
from dockwise.pyapp.pyast import dotted, import_aliases, literal
from dockwise.pyapp.scan import Module

MAX_DEPTH = 4  # calls followed from the step's own function
MAX_SQL_BYTES = 1 << 20
_SQL_KINDS = (
    (re.compile(r"DROP\s+(?:TABLE|DATABASE|SCHEMA)\b", re.I), "drops tables"),
    (re.compile(r"TRUNCATE\b", re.I), "empties tables"),
    (re.compile(r"DELETE\s+FROM\b(?!.*\bWHERE\b)", re.I | re.S), "deletes every row of a table"),
)
_SQL_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_FILE_DELETERS = frozenset({"os.remove", "os.unlink", "shutil.rmtree"})
_DATA_WORDS = re.compile(r"db|database|sqlite|data", re.I)
_DJANGO_DESTROYERS = {"flush": "deletes every row of every table", "reset_db": "drops and recreates the database"}


@dataclass(frozen=True)
class Destruction:
    """What a setup step destroys, and where the app says so."""

    what: str  # "drops tables"
    evidence: Evidence

    def __str__(self) -> str:
        return f"it {self.what} ({self.evidence.where()})"


def destroys(
    argv: Sequence[str],
    root: Path,
    files: Sequence[str],
    modules: Sequence[Module],
    scripts: Sequence[ConsoleScript] = (),
) -> Destruction | None:
    """What the setup step `argv` destroys, or None when nothing the app's code shows does."""
    words = _program_words(argv)
    if not words:
        return None
    if PurePosixPath(words[0]).name == "manage.py" or "django-admin" in words[0]:
        command = next((w for w in words[1:] if not w.startswith("-")), "")
        if command in _DJANGO_DESTROYERS:
            return Destruction(_DJANGO_DESTROYERS[command], Evidence(words[0], None, " ".join(words[:2])))
        return None
    tracer = _Tracer(root, files, modules)
    if PurePosixPath(words[0]).name == "flask":
        name = _flask_command(words[1:])
        traced = (tracer.trace(module, function) for module, function in _cli_functions(modules, name))
        return next((found for found in traced if found), None)
    console = next((s for s in scripts if s.name == words[0]), None)
    if console is not None:
        function = script_function(modules, console.module, console.function)
        return tracer.trace(*function) if function is not None else None
    script = next((m for m in modules if m.path == PurePosixPath(words[0]).as_posix().removeprefix("./")), None)
    return tracer.trace(script, script.tree) if script is not None else None


def script_function(modules: Sequence[Module], module_name: str, name: str) -> tuple[Module, ast.AST] | None:
    """The module-level function `name` of the app's module `module_name`."""
    module = next((m for m in modules if m.name == module_name), None)
    if module is None:
        return None
    node = next(
        (n for n in module.tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name), None
    )
    return (module, node) if node is not None else None


def destroys_command(
    command: str, root: Path, files: Sequence[str], modules: Sequence[Module], scripts: Sequence[ConsoleScript] = ()
) -> Destruction | None:
    """`destroys` for a command as the user would type it (from a README, a Procfile)."""
    try:
        argv = shlex.split(command)
    except ValueError:
        argv = command.split()
    return destroys(argv, root, files, modules, scripts)


def _program_words(argv: Sequence[str]) -> list[str]:
    """`python -m flask --app x init-db` -> ['flask', '--app', 'x', 'init-db']; `python3 ./seed.py` -> ['./seed.py']."""
    words = list(argv)
    if words and re.fullmatch(r"(?:.*/)?python[\d.]*", words[0]):
        words = words[1:]
        if words[:1] == ["-m"]:
            words = words[1:]
    return words


def _flask_command(words: list[str]) -> str | None:
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in ("--app", "-A", "--env-file", "-e"):
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def _cli_functions(modules: Sequence[Module], name: str | None) -> Iterator[tuple[Module, ast.AST]]:
    """Functions registered as the CLI command `name` (`@click.command("init-db")`, `@app.cli.command()`)."""
    for module in modules:
        for node in ast.walk(module.tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for decorator in node.decorator_list:
                call = decorator if isinstance(decorator, ast.Call) else None
                func = call.func if call else decorator
                if not (isinstance(func, ast.Attribute) and func.attr == "command"):
                    continue
                given = literal(call.args[0]) if call and call.args else None
                if given == name or (given is None and node.name.replace("_", "-") == name):
                    yield module, node


class _Tracer:
    """Follows calls to the app's own functions from one function, looking for what destroys data."""

    def __init__(self, root: Path, files: Sequence[str], modules: Sequence[Module]):
        self.root = root
        self.files = files
        self.functions: dict[str, list[tuple[Module, ast.AST]]] = {}
        for module in modules:
            for node in ast.walk(module.tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.functions.setdefault(node.name, []).append((module, node))
        self.unique = unique_columns(modules)

    def trace(self, module: Module, start: ast.AST) -> Destruction | None:
        seen: set[int] = set()
        frontier = [(module, start)]
        for _depth in range(MAX_DEPTH + 1):
            following: list[tuple[Module, ast.AST]] = []
            for current, function in frontier:
                if id(function) in seen:
                    continue
                seen.add(id(function))
                found = self._in_function(current, function)
                if found:
                    return found
                following += self._callees(current, function)
            frontier = following
        return None

    def _in_function(self, module: Module, function: ast.AST) -> Destruction | None:
        aliases = import_aliases(module.tree)
        bound = {  # `model = Page(title="Root")`, then `DBSession.add(model)`
            target.id: node.value
            for node in ast.walk(function)
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(function):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if found := self._in_string(module, node):
                    return found
            elif isinstance(node, ast.Call) and (found := self._in_call(module, node, aliases)):
                return found
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add":
                row = node.args[0] if len(node.args) == 1 else None
                row = bound.get(row.id) if isinstance(row, ast.Name) else row
                if row is None:
                    continue
                evidence = Evidence(module.path, row.lineno, ast.get_source_segment(module.text, row) or "")
                if found := self._adds_unique(row, evidence):
                    return found
        return None

    def _in_string(self, module: Module, node: ast.Constant) -> Destruction | None:
        text = str(node.value)
        if text.lower().endswith(".sql") and "\n" not in text:
            return self._in_sql_file(module, text)
        for what, _offset, statement in destructive_sql(text):
            return Destruction(what, Evidence(module.path, node.lineno, statement))
        return None

    def _in_call(self, module: Module, call: ast.Call, aliases: dict[str, str]) -> Destruction | None:
        func = call.func
        name = dotted(func, aliases) or ""
        segment = ast.get_source_segment(module.text, call) or ""
        evidence = Evidence(module.path, call.lineno, segment)
        if isinstance(func, ast.Attribute) and func.attr == "drop_all":
            return Destruction("drops every table", evidence)
        deletes = name in _FILE_DELETERS or (isinstance(func, ast.Attribute) and func.attr in ("unlink", "rmtree"))
        if deletes and _DATA_WORDS.search(segment):
            return Destruction("deletes the database's files", evidence)
        return None

    def _adds_unique(self, row: ast.AST, evidence: Evidence) -> Destruction | None:
        """`session.add(Page(title="Root"))` where Page.title is unique: the second run adds "Root" again."""
        if not isinstance(row, ast.Call):
            return None
        model = row.func.id if isinstance(row.func, ast.Name) else getattr(row.func, "attr", None)
        columns = self.unique.get(model or "", frozenset())
        for keyword in row.keywords:
            value = literal(keyword.value)
            if keyword.arg in columns and value is not None:
                return Destruction(
                    f"adds a row whose unique {model}.{keyword.arg} is always {value!r}: a second run fails",
                    evidence,
                )
        return None

    def _in_sql_file(self, module: Module, name: str) -> Destruction | None:
        path = self._sql_file(module, name)
        if path is None:
            return None
        text = _read_bounded(self.root, path)
        for what, offset, statement in destructive_sql(text):
            return Destruction(what, Evidence(path, text.count("\n", 0, offset) + 1, statement))
        return None

    def _sql_file(self, module: Module, name: str) -> str | None:
        """The app's file `name` names: beside the module first (Flask's open_resource), then anywhere."""
        wanted = PurePosixPath(name.lstrip("./"))
        beside = (PurePosixPath(module.path).parent / wanted).as_posix()
        if beside in self.files:
            return beside
        return next((f for f in self.files if f == wanted.as_posix() or f.endswith("/" + wanted.as_posix())), None)

    def _callees(self, module: Module, function: ast.AST) -> list[tuple[Module, ast.AST]]:
        found: list[tuple[Module, ast.AST]] = []
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            defined = self.functions.get(name or "", [])
            # The same module's function first: that is the one a bare name calls.
            found += sorted(defined, key=lambda pair: pair[0] is not module)
        return found


_COLUMN_MAKERS = frozenset({"Column", "mapped_column", "Field"})


def unique_columns(modules: Sequence[Module]) -> dict[str, frozenset[str]]:
    """Model class name -> its attributes declared unique (`title = Column(Text, unique=True)`, SQLAlchemy's
    `mapped_column(unique=True)`, SQLModel's `Field(unique=True)`)."""
    found: dict[str, frozenset[str]] = {}
    for module in modules:
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.ClassDef):
                continue
            names = set()
            for statement in node.body:
                target, value = _assigned(statement)
                if target is None or not isinstance(value, ast.Call):
                    continue
                maker = value.func.id if isinstance(value.func, ast.Name) else getattr(value.func, "attr", None)
                unique = any(k.arg == "unique" and literal(k.value) is True for k in value.keywords)
                if maker in _COLUMN_MAKERS and unique:
                    names.add(target)
            if names:
                found[node.name] = frozenset(names) | found.get(node.name, frozenset())
    return found


def _assigned(statement: ast.stmt) -> tuple[str | None, ast.AST | None]:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id, statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.value
    return None, None


def destructive_sql(text: str) -> Iterator[tuple[str, int, str]]:
    """(what it destroys, offset, statement) for each statement of `text` that drops or empties a table."""
    clean = _SQL_COMMENT.sub(lambda m: " " * len(m.group()), text)
    start = 0
    for part in clean.split(";"):
        statement = part.strip()
        offset = start + (len(part) - len(part.lstrip()))
        start += len(part) + 1
        for pattern, what in _SQL_KINDS:
            if pattern.match(statement):
                yield what, offset, " ".join(statement.split())[:80]
                break


def _read_bounded(root: Path, relative: str) -> str:
    """A regular file inside the app folder, at most MAX_SQL_BYTES of it; anything else reads as empty."""
    path = root / relative
    try:
        if path.is_symlink() or not path.is_file() or not path.resolve().is_relative_to(root.resolve()):
            return ""
        with path.open("rb") as handle:
            return handle.read(MAX_SQL_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""
