"""Setup steps that destroy data are recognised by following the step into the app's own code; they run once per data
volume, ever. Steps that only add (migrations, CREATE TABLE IF NOT EXISTS) run once per release and data volume."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dockwise.pyapp.destroys import destroys, destroys_command, destructive_sql
from dockwise.pyapp.detect import InitOptions, detect
from dockwise.pyapp.scan import served_modules, walk_files
from tests.pyapp.helpers import FIXTURES, write


def app(tmp_path: Path, files: dict[str, str]) -> Path:
    return write(tmp_path, {name: textwrap.dedent(text) for name, text in files.items()})


def judge(root: Path, command: str):
    files = walk_files(root)
    return destroys_command(command, root, files, served_modules(root, files)[0])


FLASK_CLI = """\
    import click
    from flask import Flask, current_app
    app = Flask(__name__)

    def get_db():
        import sqlite3
        return sqlite3.connect("app.db")

    def reset(db):
        db.executescript({sql})

    def init_db():
        reset(get_db())

    @app.cli.command("init-db")
    def init_db_command():
        init_db()
    """


def test_flaskr_init_db_drops_its_tables_through_schema_sql():
    files = walk_files(FIXTURES / "flaskr")
    found = destroys(
        ("flask", "--app", "flaskr", "init-db"),
        FIXTURES / "flaskr",
        files,
        served_modules(FIXTURES / "flaskr", files)[0],
    )
    assert found is not None and found.what == "drops tables"
    assert found.evidence.where() == "flaskr/schema.sql:4" and found.evidence.excerpt == "DROP TABLE IF EXISTS user"


def test_flaskr_with_setup_gets_scope_volume_and_says_why():
    facts = detect(FIXTURES / "flaskr", InitOptions(setup="python -m flask --app flaskr init-db"))
    assert facts.setup_scope == "volume"
    decision = next(d for d in facts.decisions if d.topic == "setup")
    assert "once per data volume, ever" in decision.evidence and "flaskr/schema.sql:4" in decision.evidence
    assert "every start" not in decision.evidence.replace("never at every start", "")
    [step] = [s for s in detect(FIXTURES / "flaskr").setup_suggestions if "init-db" in s.command]
    assert step.scope == "volume" and step.destroys is not None


def test_django_migrate_runs_once_per_release():
    facts = detect(FIXTURES / "django-skeleton", InitOptions(setup="python manage.py migrate"))
    assert facts.setup_scope == "release"
    decision = next(d for d in facts.decisions if d.topic == "setup")
    assert "once per release and data volume" in decision.evidence


@pytest.mark.parametrize(
    ("sql", "what"),
    [
        ('"DROP TABLE IF EXISTS post; CREATE TABLE post (id INTEGER)"', "drops tables"),
        ('"delete from post"', "deletes every row of a table"),
        ('"TRUNCATE post"', "empties tables"),
        ('"CREATE TABLE IF NOT EXISTS post (id INTEGER)"', None),
        ("\"DELETE FROM post WHERE created < date('now', '-30 days')\"", None),
        ('"-- DROP TABLE post (a comment)\\nCREATE TABLE IF NOT EXISTS post (id INTEGER)"', None),
    ],
)
def test_sql_in_the_code_three_calls_deep(tmp_path, sql, what):
    root = app(tmp_path, {"app.py": FLASK_CLI.format(sql=sql)})
    found = judge(root, "flask --app app init-db")
    assert (found.what if found else None) == what
    if found:
        assert found.evidence.where() == "app.py:10"


def test_a_sql_file_the_code_opens_with_its_line(tmp_path):
    root = app(
        tmp_path,
        {
            "app.py": FLASK_CLI.format(sql='open("sql/schema.sql").read()'),
            "sql/schema.sql": "-- the schema\nCREATE TABLE IF NOT EXISTS a (id INTEGER);\n\nDROP DATABASE shop;\n",
        },
    )
    found = judge(root, "flask --app app init-db")
    assert found is not None and found.evidence.where() == "sql/schema.sql:4"


def test_a_sql_file_that_only_creates_is_kept(tmp_path):
    root = app(
        tmp_path,
        {
            "app.py": FLASK_CLI.format(sql='open("schema.sql").read()'),
            "schema.sql": "CREATE TABLE IF NOT EXISTS a (i);",
        },
    )
    assert judge(root, "flask --app app init-db") is None


def test_a_sql_file_symlinked_out_of_the_app_is_not_read(tmp_path):
    outside = tmp_path / "outside.sql"
    outside.write_text("DROP TABLE a;")
    root = app(tmp_path / "app", {"app.py": FLASK_CLI.format(sql='open("schema.sql").read()')})
    (root / "schema.sql").symlink_to(outside)
    assert judge(root, "flask --app app init-db") is None


def test_sqlalchemy_drop_all_and_create_all(tmp_path):
    code = """\
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        @app.cli.command()
        def create_db():
            {body}
        """
    root = app(tmp_path, {"app.py": code.format(body="db.drop_all(); db.create_all()")})
    found = judge(root, "flask --app app create-db")
    assert found is not None and found.what == "drops every table" and found.evidence.where() == "app.py:8"
    root = app(tmp_path / "other", {"app.py": code.format(body="db.create_all()")})
    assert judge(root, "flask --app app create-db") is None


def test_a_script_that_deletes_the_database_file(tmp_path):
    root = app(
        tmp_path,
        {
            "create_db.py": """\
            import os
            import sqlite3
            DATABASE = "app.db"

            def fresh():
                if os.path.exists(DATABASE):
                    os.remove(DATABASE)
                sqlite3.connect(DATABASE).execute("CREATE TABLE t (i)")

            fresh()
            """
        },
    )
    found = judge(root, "python create_db.py")
    assert (
        found is not None
        and found.what == "deletes the database's files"
        and found.evidence.where() == ("create_db.py:7")
    )


def test_a_script_that_removes_a_temporary_file_is_kept(tmp_path):
    root = app(tmp_path, {"seed.py": "import os\nos.remove(path_of_the_upload_staging)\n"})
    assert judge(root, "python3 ./seed.py") is None


@pytest.mark.parametrize(
    ("command", "destroys_data"),
    [
        ("python manage.py flush --no-input", True),
        ("./manage.py reset_db", True),
        ("python manage.py migrate", False),
        ("python manage.py createsuperuser --noinput", False),
    ],
)
def test_django_commands(tmp_path, command, destroys_data):
    root = app(tmp_path, {"manage.py": "import django\n"})
    assert (judge(root, command) is not None) == destroys_data


def test_calls_are_followed_only_a_few_levels_and_recursion_ends(tmp_path):
    def code(depth: int) -> str:
        chain = "".join(f"def f{i}():\n    f{i}()\n    f{i + 1}()\n\n" for i in range(depth))
        return (
            f"import click\n\n{chain}def f{depth}():\n    db.executescript('DROP TABLE a')\n\n"
            "@click.command('init-db')\ndef c():\n    f0()\n"
        )

    assert judge(app(tmp_path / "near", {"app.py": code(3)}), "flask --app app init-db") is not None
    assert judge(app(tmp_path / "far", {"app.py": code(8)}), "flask --app app init-db") is None  # further than followed


def test_statements_with_their_offsets():
    text = "CREATE TABLE a (i);\n/* DROP TABLE a; */\nDELETE FROM a;\nDELETE FROM b WHERE i = 1;\n  drop schema s"
    found = list(destructive_sql(text))
    assert [(what, text.count("\n", 0, offset) + 1, statement) for what, offset, statement in found] == [
        ("deletes every row of a table", 3, "DELETE FROM a"),
        ("drops tables", 5, "drop schema s"),
    ]


BLOG_PYPROJECT = """[project]
name = "blog"
version = "1"
dependencies = ["quart"]
[project.scripts]
init_db = "blog:init_db"
serve = "blog:run"
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"""
BLOG = """\
    import sqlite3
    from pathlib import Path
    from quart import Quart
    app = Quart(__name__)

    def init_db():
        db = sqlite3.connect("blog.db")
        with open(Path(app.root_path) / "schema.sql") as file_:
            db.executescript(file_.read())

    def run():
        app.run()
    """


def test_a_console_script_of_the_installed_project_is_suggested_and_followed(tmp_path):
    root = app(
        tmp_path,
        {
            "pyproject.toml": BLOG_PYPROJECT,
            "src/blog/__init__.py": BLOG,
            "src/blog/schema.sql": "DROP TABLE IF EXISTS post;\nCREATE TABLE post (id INTEGER);\n",
        },
    )
    suggested = {s.command: s for s in detect(root, InitOptions()).setup_suggestions}
    assert list(suggested) == ["init_db"]  # `serve` is not named like a setup step
    assert suggested["init_db"].destroys is not None and suggested["init_db"].destroys.what == "drops tables"
    facts = detect(root, InitOptions(setup="init_db"))
    assert facts.setup == ("init_db",) and facts.setup_scope == "volume"


def test_a_console_script_that_only_creates_runs_once_per_release(tmp_path):
    root = app(
        tmp_path,
        {
            "pyproject.toml": BLOG_PYPROJECT,
            "src/blog/__init__.py": BLOG,
            "src/blog/schema.sql": "CREATE TABLE IF NOT EXISTS post (id INTEGER);\n",
        },
    )
    assert detect(root, InitOptions(setup="init_db")).setup_scope == "release"


def test_a_console_script_is_not_suggested_when_the_project_is_not_installed(tmp_path):
    pyproject = BLOG_PYPROJECT.split("[build-system]")[0]  # no build backend: not built, so no script on PATH
    root = app(tmp_path, {"pyproject.toml": pyproject, "src/blog/__init__.py": BLOG, "src/blog/schema.sql": ""})
    assert [s.command for s in detect(root, InitOptions()).setup_suggestions] == []


SEED = """\
    import sys
    from sqlalchemy import Column, Integer, Text
    from sqlalchemy.orm import declarative_base
    Base = declarative_base()

    class Page(Base):
        __tablename__ = "pages"
        uid = Column(Integer, primary_key=True)
        title = Column(Text, unique={unique})
        body = Column(Text)

    def main(argv=sys.argv):
        model = Page(title="Root", body="<p>Root</p>")
        session.add(model)
        session.add(Page(title=argv[1], body="x"))
    """


@pytest.mark.parametrize(("unique", "scope"), [("True", "volume"), ("False", "release")])
def test_a_step_adding_a_literal_row_to_a_unique_column_runs_once_per_volume(tmp_path, unique, scope):
    """The second run would add the same title again: the database refuses it and the release would not start."""
    root = app(tmp_path, {"seed_db.py": textwrap.dedent(SEED.format(unique=unique)) + "\nmain()\n"})
    found = judge(root, "python seed_db.py")
    if scope == "volume":
        assert found.what == "adds a row whose unique Page.title is always 'Root': a second run fails"
        assert found.evidence.where() == "seed_db.py:13"  # the row, where its value is written
    else:
        assert found is None  # a duplicate body is no failure; a value from argv is not known here
