"""Files the app reads and writes at run time, and the server details that depend on the release the app pins
(issue 18, classes 6 and 7): hermetic, each pattern on a small app written here."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from packaging.version import Version

from dockwise.core.errors import DockwiseError
from dockwise.engine.setup_run import python_exception
from dockwise.pyapp.detect import InitOptions, detect
from dockwise.pyapp.render import compose, distroless_dockerfile, standard_dockerfile
from dockwise.pyapp.server_flags import FLAGS, allows_from, stop_signal
from dockwise.service.contract import ServiceContract
from dockwise.service.run_options import run_options
from tests.pyapp.helpers import write

FLASK_SQLALCHEMY = "flask==3.0.0\nflask-sqlalchemy==3.1.1\n"


def writes(root: Path, **options) -> dict[str, str]:
    """Where the app writes (in the image) -> the place in the code that says so."""
    return {str(w.path): w.evidence.where() for w in detect(root, InitOptions(**options)).writable}


def flask_module(url: str, prelude: str = "") -> str:
    return (
        "import os\nfrom pathlib import Path\nfrom flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\n"
        f"{prelude}\napp = Flask(__name__)\napp.config['SQLALCHEMY_DATABASE_URI'] = {url}\ndb = SQLAlchemy(app)\n"
    )


# --- what the app writes ------------------------------------------------------------------------------------------


def test_sqlite_path_built_with_joinpath_in_an_fstring_moves_under_data(tmp_path):
    prelude = 'basedir = Path(__file__).resolve().parent\nDATABASE = "flaskr.db"'
    url = 'os.getenv("DATABASE_URL", f"sqlite:///{Path(basedir).joinpath(DATABASE)}")'
    root = write(
        tmp_path,
        {"project/__init__.py": "", "project/app.py": flask_module(url, prelude), "requirements.txt": FLASK_SQLALCHEMY},
    )
    # Beside the module (an absolute path at run time), not in Flask-SQLAlchemy's instance folder.
    assert writes(root) == {"/app/project/flaskr.db": "project/app.py:8"}
    assert "project/" in detect(root).copies  # the package the database sits in is still copied


def test_sqlite_path_from_os_path_join_and_concatenation(tmp_path):
    prelude = "BASE_DIR = os.path.abspath(os.path.dirname(__file__))"
    url = '"sqlite:///" + os.path.join(BASE_DIR, "data", "app.db")'
    root = write(tmp_path, {"app.py": flask_module(url, prelude), "requirements.txt": FLASK_SQLALCHEMY})
    assert writes(root) == {"/app/data/app.db": "app.py:7"}


def test_sqlite_path_with_path_division_in_an_fstring(tmp_path):
    prelude = "HERE = Path(__file__).parent"
    root = write(tmp_path, {"app.py": flask_module("f\"sqlite:///{HERE / 'site.db'}\"", prelude)})
    assert writes(root) == {"/app/site.db": "app.py:7"}


def test_relative_sqlite_url_under_flask_sqlalchemy_stays_in_the_instance_folder(tmp_path):
    root = write(tmp_path, {"app.py": flask_module('"sqlite:///site.db"'), "requirements.txt": FLASK_SQLALCHEMY})
    assert writes(root) == {"/app/instance": "app.py:7"}


def test_absolute_sqlite_url_is_a_write_where_it_points(tmp_path):
    code = "from fastapi import FastAPI\nfrom sqlalchemy import create_engine\n"
    code += 'engine = create_engine("sqlite:////srv/notes/notes.db")\napp = FastAPI()\n'
    assert writes(write(tmp_path, {"main.py": code})) == {"/srv/notes/notes.db": "main.py:3"}


def test_in_memory_and_unknown_sqlite_urls_are_not_writes(tmp_path):
    code = "import os\nfrom fastapi import FastAPI\nfrom sqlalchemy import create_engine\n"
    code += 'a = create_engine("sqlite:///:memory:")\nb = create_engine(f"sqlite:///{os.environ[\'X\']}")\n'
    code += "app = FastAPI()\n"
    assert writes(write(tmp_path, {"main.py": code})) == {}


def test_flask_instance_path_is_a_write(tmp_path):
    code = 'import os\nfrom flask import Flask\napp = Flask(__name__)\nDB = os.path.join(app.instance_path, "x.db")\n'
    assert writes(write(tmp_path, {"app.py": code})) == {"/app/instance": "app.py:4"}


def django_app(tmp_path: Path, settings: str) -> Path:
    return write(
        tmp_path,
        {
            "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site1.settings")\n',
            "site1/__init__.py": "",
            "site1/wsgi.py": "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n",
            "site1/settings.py": "import os\nfrom pathlib import Path\nimport dj_database_url\n"
            "BASE_DIR = Path(__file__).resolve().parent.parent\nWSGI_APPLICATION = 'site1.wsgi.application'\n"
            + settings,
            "requirements.txt": "django==5.1.4\ndj-database-url==2.3.0\n",
        },
    )


def test_django_databases_chosen_by_an_environment_variable_in_if_else(tmp_path):
    settings = (
        'if "DYNO" in os.environ:\n    DATABASES = {"default": dj_database_url.config(env="DATABASE_URL")}\n'
        'else:\n    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}\n'
    )
    assert writes(django_app(tmp_path, settings)) == {"/app/db.sqlite3": "site1/settings.py:9"}


@pytest.mark.parametrize(
    "default",
    [
        "f\"sqlite:///{BASE_DIR / 'db.sqlite3'}\"",
        "'sqlite:///' + os.path.join(BASE_DIR, 'db.sqlite3')",
    ],
)
def test_dj_database_url_default_is_a_write(tmp_path, default):
    settings = f'DATABASES = {{"default": dj_database_url.config(default={default}, conn_max_age=600)}}\n'
    found = writes(django_app(tmp_path, settings))
    assert list(found) == ["/app/db.sqlite3"] and found["/app/db.sqlite3"].startswith("site1/settings.py:6")


def test_dj_database_url_parse_and_a_first_positional_that_is_the_variable_name(tmp_path):
    settings = 'DATABASES = {"default": dj_database_url.parse("sqlite:///var/db.sqlite3"),\n'
    settings += '             "other": dj_database_url.config("OTHER_URL")}\n'
    assert list(writes(django_app(tmp_path, settings))) == ["/app/var/db.sqlite3"]


def test_django_name_in_an_fstring(tmp_path):
    settings = 'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": f"{BASE_DIR}/db.sqlite3"}}\n'
    assert list(writes(django_app(tmp_path, settings))) == ["/app/db.sqlite3"]


# --- what the app reads -------------------------------------------------------------------------------------------

DI_APP = (
    "from fastapi import FastAPI\nfrom dependency_injector import containers, providers\n\n"
    "class Container(containers.DeclarativeContainer):\n"
    '    config = providers.Configuration(yaml_files=["config.yml"])\n\napp = FastAPI()\n'
)


def test_config_file_named_by_a_literal_is_copied_and_its_sqlite_url_moves_under_data(tmp_path):
    root = write(
        tmp_path,
        {"webapp/__init__.py": "", "webapp/main.py": DI_APP, "config.yml": 'db:\n  url: "sqlite:///./webapp.db"\n'},
    )
    (root / "unused.yml").write_text("a: 1\n")
    found = detect(root)
    assert "config.yml" in found.copies and "unused.yml" not in found.copies
    assert {str(w.path): w.evidence.where() for w in found.writable} == {"/app/webapp.db": "config.yml:2"}
    assert "COPY config.yml ./" in distroless_dockerfile(found)


@pytest.mark.parametrize("name", ["settings.ini", "words.txt", "data.json", "app.toml", "logging.cfg"])
def test_data_and_config_files_named_by_the_code_are_copied(tmp_path, name):
    code = f'from flask import Flask\napp = Flask(__name__)\nPATH = "{name}"\n'
    root = write(tmp_path, {"app.py": code, name: "x\n"})
    assert name in detect(root).copies


@pytest.mark.parametrize("name", ["server.pem", "tls.key", "prod.env"])
def test_secrets_named_by_the_code_are_never_copied_and_a_note_says_so(tmp_path, name):
    code = f'from flask import Flask\napp = Flask(__name__)\nSECRET = open("{name}").read()\n'
    found = detect(write(tmp_path, {"app.py": code, name: "s3cret\n"}))
    assert name not in found.copies
    assert any(f"app.py:3 names {name}, which looks like a secret" in note for note in found.notes)
    assert name not in standard_dockerfile(found)


def test_a_config_file_not_named_by_the_code_stays_out(tmp_path):
    root = write(tmp_path, {"app.py": "from flask import Flask\napp = Flask(__name__)\n", "config.yml": "a: 1\n"})
    assert "config.yml" not in detect(root).copies


# --- server options by the pinned release ------------------------------------------------------------------------

ASGI = "from fastapi import FastAPI\napp = FastAPI()\n"
FACTORY = "from fastapi import FastAPI\ndef create_app():\n    return FastAPI()\n"


def command_for(tmp_path: Path, requirements: str, code: str = ASGI, **options):
    found = detect(write(tmp_path, {"main.py": code, "requirements.txt": requirements}), InitOptions(**options))
    return found.command, found.notes


@pytest.mark.parametrize(
    ("requirement", "kept"),
    [
        ("uvicorn==0.17.6", False),
        ("uvicorn==0.21.1", False),
        ("uvicorn==0.22.0", True),
        ("uvicorn>=0.15,<0.30", True),
        ("uvicorn", True),
    ],
)
def test_uvicorn_graceful_shutdown_only_where_the_pinned_release_has_it(tmp_path, requirement, kept):
    command, notes = command_for(tmp_path, f"fastapi\n{requirement}\n")
    assert ("--timeout-graceful-shutdown" in command) is kept
    assert any("--timeout-graceful-shutdown is left out" in n and "0.22.0" in n for n in notes) is not kept
    assert command[-1] == "main:app" and "--port" in command  # the rest of the command stays whole


def test_a_factory_on_a_uvicorn_without_factory_support_is_refused(tmp_path):
    with pytest.raises(DockwiseError, match=r"uvicorn==0.12.3, which has no --factory \(first in 0.13.0\)"):
        command_for(tmp_path, "fastapi\nuvicorn==0.12.3\n", FACTORY)
    command, _ = command_for(tmp_path, "fastapi\nuvicorn==0.13.0\n", FACTORY)
    assert "--factory" in command


def test_granian_options_by_release(tmp_path):
    code = "from flask import Flask\napp = Flask(__name__)\n"
    command, notes = command_for(tmp_path, "flask\ngranian==1.6.0\n", code)
    assert "--workers-kill-timeout" not in command and "--http1-header-read-timeout" not in command
    assert "--access-log" in command and "--blocking-threads" in command
    assert command[command.index("--workers") + 1] == "2" and command[-1] == "main:app"
    assert len([n for n in notes if "left out of the command" in n]) == 2
    command, notes = command_for(tmp_path, "flask\ngranian==2.0.0\n", code)
    assert "--workers-kill-timeout" in command and "--http1-header-read-timeout" in command


def test_gunicorn_before_19_has_no_threads(tmp_path):
    code = "from flask import Flask\napp = Flask(__name__)\n"
    command, _ = command_for(tmp_path, "flask\ngunicorn==18.0\n", code)
    assert "--threads" not in command and "--worker-tmp-dir" not in command and "--graceful-timeout" in command
    command, _ = command_for(tmp_path, "flask\ngunicorn==21.2.0\n", code)
    assert "--threads" in command and "--worker-tmp-dir" in command


def test_a_server_dockwise_adds_keeps_every_option(tmp_path):
    command, notes = command_for(tmp_path, "fastapi==0.110.0\n")
    assert "--timeout-graceful-shutdown" in command and not [n for n in notes if "left out" in n]


def test_flag_table_first_releases_are_what_the_projects_tagged():
    first = {(f.server, f.option): f.first for f in FLAGS}
    assert first["uvicorn", "--timeout-graceful-shutdown"] == Version("0.22.0")
    assert first["granian", "--workers-kill-timeout"] == Version("1.7.0")
    assert allows_from("not a specifier", Version("1.0")) is None
    assert allows_from("!=0.22.0,<0.23", Version("0.22.0")) is False  # only 0.22.0 itself was at or after
    assert allows_from("==0.22.*", Version("0.22.0")) is True


# --- the stop signal ----------------------------------------------------------------------------------------------


def test_waitress_gets_sigint_in_every_emitter(tmp_path):
    code = "from flask import Flask\napp = Flask(__name__)\n"
    found = detect(write(tmp_path, {"app.py": code, "requirements.txt": "flask==3.0.0\nwaitress==3.0.2\n"}))
    assert found.server.server.name == "waitress" and found.stop_signal == "SIGINT"
    for dockerfile in (standard_dockerfile(found), distroless_dockerfile(found)):
        assert "\nSTOPSIGNAL SIGINT\n" in dockerfile
    service = yaml.safe_load(compose(found))["services"][found.name]
    assert service["stop_signal"] == "SIGINT"


def test_servers_that_handle_sigterm_keep_the_default(tmp_path):
    code = "from flask import Flask\napp = Flask(__name__)\n"
    found = detect(write(tmp_path, {"app.py": code, "requirements.txt": "flask==3.0.0\ngunicorn==23.0.0\n"}))
    assert found.stop_signal == "SIGTERM" and "STOPSIGNAL" not in standard_dockerfile(found)
    assert "stop_signal" not in compose(found)


@pytest.mark.parametrize(
    ("argv", "signal"),
    [
        (["/opt/venv/bin/waitress-serve", "--listen=0.0.0.0:8000", "app:app"], "SIGINT"),
        (["/opt/venv/bin/python", "app.py"], "SIGINT"),
        (["/opt/venv/bin/python", "-m", "myapp"], "SIGINT"),
        (["/opt/venv/bin/python", "-m", "gunicorn", "app:app"], None),
        (["/opt/venv/bin/python", "-m", "waitress", "app:app"], "SIGINT"),
        (["/opt/venv/bin/uvicorn", "app:app"], None),
        (["/opt/venv/bin/granian", "app:app"], None),
    ],
)
def test_stop_signal_by_command(argv, signal):
    found = stop_signal(argv)
    assert (found[0] if found else None) == signal


def test_contract_refuses_an_unknown_stop_signal_and_run_options_carry_it():
    with pytest.raises(DockwiseError, match="stop signal"):
        ServiceContract(port=8000, stop_signal="SIGKILL\nX")
    assert run_options(ServiceContract(port=8000, stop_signal="SIGINT"))["stop_signal"] == "SIGINT"
    assert "stop_signal" not in run_options(ServiceContract(port=8000))


# --- a setup step that fails says why in one line ----------------------------------------------------------------


def test_the_exception_line_of_a_traceback_is_the_cause():
    log = [
        "Traceback (most recent call last):",
        'File "/opt/venv/lib/python3.13/site-packages/environs/__init__.py", line 23, in <module>',
        "_SUPPORTS_LOAD_DEFAULT = ma.__version_info__ >= (3, 13)",
        "AttributeError: module 'marshmallow' has no attribute '__version_info__'",
    ]
    assert python_exception(log) == log[-1]
    assert python_exception(["django.db.utils.OperationalError: unable to open database file"]) is not None
    assert python_exception(["all good", "Operations to perform:"]) is None


def test_config_file_urls_with_pastedeploy_here_and_unknown_interpolations(tmp_path):
    code = 'from flask import Flask\napp = Flask(__name__)\nCONFIG = "site.ini"\n'
    ini = "[database]\nsqlalchemy.url = sqlite:///%(here)s/data/site.sqlite\nother = sqlite:///${DB_PATH}\n"
    root = write(tmp_path, {"app.py": code, "site.ini": ini})
    assert writes(root) == {"/app/data/site.sqlite": "site.ini:2"}


def test_a_sqlite_url_template_filled_in_later_is_not_a_path(tmp_path):
    code = "from fastapi import FastAPI\nURL = 'sqlite:///{}.db'\nOTHER = 'sqlite:///%s.db'\napp = FastAPI()\n"
    assert writes(write(tmp_path, {"main.py": code})) == {}


def test_a_name_gone_from_a_dependency_says_to_pin_it():
    from dockwise.engine.setup_run import fix_for

    assert "pin marshmallow" in fix_for("AttributeError: module 'marshmallow' has no attribute '__version_info__'")
    assert "pin werkzeug" in fix_for("ImportError: cannot import name 'url_quote' from 'werkzeug.urls' (/x.py)")
    assert fix_for("OperationalError: unable to open database file") == fix_for(None)


def test_sqlite3_connect_on_a_joinpath(tmp_path):
    code = "import sqlite3\nfrom pathlib import Path\nfrom flask import Flask\n"
    code += (
        'DB = Path(__file__).parent.joinpath("var", "notes.db")\napp = Flask(__name__)\nconn = sqlite3.connect(DB)\n'
    )
    assert writes(write(tmp_path, {"app.py": code})) == {"/app/var/notes.db": "app.py:6"}


def test_a_factory_on_a_granian_without_factory_support_is_refused(tmp_path):
    code = "from flask import Flask\ndef create_app():\n    return Flask(__name__)\n"
    with pytest.raises(DockwiseError, match=r"granian==1.5.2, which has no --factory \(first in 1.6.0\)"):
        command_for(tmp_path, "flask\ngranian==1.5.2\n", code)


def test_the_config_file_the_command_names_is_read_for_sqlite_urls(tmp_path):
    ini = "[database]\nurl = sqlite:///%(here)s/var/app.sqlite\n"
    root = write(tmp_path, {"app.py": "from flask import Flask\napp = Flask(__name__)\n", "prod.ini": ini})
    found = writes(root, cmd="gunicorn --paste prod.ini")
    assert found == {"/app/var/app.sqlite": "prod.ini:2"}


# --- an installed package's writes: its modules run from site-packages ----------------------------------------------

POETRY_BLOG = """[tool.poetry]
name = "blog"
version = "0.1.0"
[tool.poetry.dependencies]
python = "^3.10"
quart = "*"
[tool.poetry.scripts]
init_db = "blog:init_db"
start = "blog:run"
[build-system]
requires = ["poetry-core>=1.0.0"]
build-backend = "poetry.core.masonry.api"
"""


def quart_blog(tmp_path: Path, code: str, pyproject: str = POETRY_BLOG) -> Path:
    prelude = "import os\nfrom pathlib import Path\nfrom quart import Quart\napp = Quart(__name__)\n"
    return write(tmp_path, {"src/blog/__init__.py": prelude + code, "pyproject.toml": pyproject})


def test_a_database_setting_beside_an_installed_package_is_in_site_packages(tmp_path):
    root = quart_blog(tmp_path, 'app.config.update({"DATABASE": Path(app.root_path) / "blog.db"})\n')
    # Quart(__name__) in blog/__init__.py: root_path is the installed package's folder, not /app/src/blog.
    assert writes(root) == {"/opt/venv/lib/python3.13/site-packages/blog/blog.db": "src/blog/__init__.py:5"}


def test_a_directory_an_installed_package_makes_beside_itself(tmp_path):
    root = quart_blog(tmp_path, 'os.makedirs(os.path.join(os.path.dirname(__file__), "uploads"), exist_ok=True)\n')
    assert writes(root) == {"/opt/venv/lib/python3.13/site-packages/blog/uploads": "src/blog/__init__.py:5"}


def test_the_same_code_not_installed_writes_beside_its_copy(tmp_path):
    root = quart_blog(tmp_path, 'app.config.update({"DATABASE": Path(app.root_path) / "blog.db"})\n', pyproject="")
    assert writes(root) == {"/app/src/blog/blog.db": "src/blog/__init__.py:5"}


@pytest.mark.parametrize(
    ("code", "written"),
    [
        ('app.config.from_mapping(DATABASE=os.path.join(app.root_path, "app.sqlite"))\n', {"/app/app.sqlite"}),
        ('DB_PATH = Path(__file__).parent / "data" / "notes.sqlite3"\n', {"/app/data/notes.sqlite3"}),
        ('WORDS = Path(__file__).parent / "words.db"\n', set()),  # not a database setting: read, maybe shipped
        ('DATABASE = Path(__file__).parent / "schema.sql"\n', set()),  # not a database file
        ('DATABASE = "postgresql://db/app"\n', set()),
    ],
    ids=["config-keyword", "db-path-name", "not-a-setting", "not-a-database-file", "a-url"],
)
def test_database_settings_name_the_file_the_app_writes(tmp_path, code, written):
    prelude = "import os\nfrom pathlib import Path\nfrom flask import Flask\napp = Flask(__name__)\n"
    assert set(writes(write(tmp_path, {"app.py": prelude + code}))) == written
