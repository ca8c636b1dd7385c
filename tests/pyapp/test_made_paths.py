"""Directories the app makes at run time and Django settings whose STATIC_ROOT comes from django-heroku: both are
found, so a read-only container has them (corpus: microblog's `os.mkdir('logs')`, django-pipenv's
`django_heroku.settings(locals())`)."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from dockwise.pyapp.detect import InitOptions, detect
from dockwise.pyapp.render import distroless_dockerfile, standard_dockerfile
from tests.pyapp.helpers import write

FLASK = "from flask import Flask\nimport os, logging\nfrom logging.handlers import RotatingFileHandler\napp = Flask(__name__)\n"


@pytest.mark.parametrize(
    ("code", "written"),
    [
        ("if not os.path.exists('logs'):\n    os.mkdir('logs')\n", "/app/logs"),
        ("os.makedirs('var/cache', exist_ok=True)\n", "/app/var/cache"),
        ("handler = RotatingFileHandler('logs/app.log', maxBytes=10240)\n", "/app/logs"),
        ("handler = logging.FileHandler('out/app.log')\n", "/app/out"),
    ],
    ids=["mkdir", "makedirs", "rotating-handler", "file-handler"],
)
def test_a_folder_the_app_makes_is_on_the_data_volume(tmp_path, code, written):
    facts = detect(write(tmp_path, {"app.py": FLASK + code, "requirements.txt": "flask==3.0.3\n"}), InitOptions())
    assert PurePosixPath(written) in {w.path for w in facts.writable}


@pytest.mark.parametrize(
    "code",
    [
        "os.makedirs('/etc/app')\n",
        "handler = logging.FileHandler('app.log')\n",
        "os.mkdir('../up')\n",
        "os.mkdir(name)\n",
    ],
    ids=["absolute", "top-level-log", "parent", "unknown"],
)
def test_what_cannot_be_a_link_into_the_volume_is_not_taken(tmp_path, code):
    facts = detect(write(tmp_path, {"app.py": FLASK + code, "requirements.txt": "flask==3.0.3\n"}), InitOptions())
    assert not facts.writable


DJANGO = {
    "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_.settings')\n",
    "site_/__init__.py": "",
    "site_/wsgi.py": "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n",
    "requirements.txt": "django==4.2.16\ndjango-heroku==0.3.1\n",
}
SETTINGS = (
    "import os\nBASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\n"
    "INSTALLED_APPS = ['django.contrib.staticfiles']\nSTATIC_URL = '/static/'\nimport django_heroku\n"
)


def test_django_heroku_sets_static_root_so_collectstatic_fills_it_at_build_time(tmp_path):
    facts = detect(write(tmp_path, {**DJANGO, "site_/settings.py": SETTINGS + "django_heroku.settings(locals())\n"}))
    assert facts.collectstatic
    assert any("staticfiles" in d.value and d.topic == "static files" for d in facts.decisions)


def test_django_heroku_without_staticfiles_sets_none(tmp_path):
    settings = SETTINGS + "django_heroku.settings(locals(), staticfiles=False)\n"
    facts = detect(write(tmp_path, {**DJANGO, "site_/settings.py": settings}))
    assert not facts.collectstatic


def test_a_procfile_web_line_with_semicolons_runs_its_server_and_suggests_the_steps_before_it(tmp_path):
    app = "from flask import Flask\napp = Flask(__name__)\n"
    write(tmp_path, {"blog.py": app, "requirements.txt": "flask==3.0.3\ngunicorn==23.0.0\n"})
    (tmp_path / "Procfile").write_text("web: flask db upgrade; flask translate compile; gunicorn blog:app\n")
    facts = detect(tmp_path)
    assert facts.command[0].endswith("gunicorn") and "blog:app" in facts.command
    assert [s.command for s in facts.setup_suggestions][:2] == [
        "flask --app blog db upgrade",
        "flask --app blog translate compile",
    ]


def test_only_top_level_flask_commands_without_arguments_are_setup_suggestions(tmp_path):
    code = (
        "import click\nfrom flask import Flask\napp = Flask(__name__)\n"
        "@app.cli.command('init-db')\ndef init_db(): ...\n"
        "@app.cli.group()\ndef translate(): ...\n"
        "@translate.command()\n@click.argument('lang')\ndef init(lang): ...\n"
        "@app.cli.command('init-lang')\n@click.argument('lang')\ndef init_lang(lang): ...\n"
    )
    facts = detect(write(tmp_path, {"app.py": code, "requirements.txt": "flask==3.0.3\n"}))
    assert [s.command for s in facts.setup_suggestions] == ["flask --app app init-db"]


@pytest.mark.parametrize(
    ("code", "variable"),
    [
        ("storage = os.environ.get('LOOK_STORAGE_PATH', '.')\n", "LOOK_STORAGE_PATH"),
        ("uploads = os.getenv('UPLOAD_DIR', 'uploads')\n", "UPLOAD_DIR"),
    ],
    ids=["storage-path", "upload-dir"],
)
def test_a_write_location_read_from_the_environment_is_set_to_the_data_volume(tmp_path, code, variable):
    facts = detect(write(tmp_path, {"app.py": FLASK + code, "requirements.txt": "flask==3.0.3\n"}))
    (located,) = [w for w in facts.writable if w.env]
    assert located.env == variable and located.path.is_relative_to("/data")
    for dockerfile in (standard_dockerfile(facts), distroless_dockerfile(facts)):
        assert f"{variable}={located.path}" in dockerfile and "install -d -o" in dockerfile


@pytest.mark.parametrize(
    "code",
    [
        "secret = os.environ.get('SECRET_KEY', 'dev')\n",
        "templates = os.environ.get('TEMPLATE_DIR', 'templates')\n",
        "data = os.environ.get('DATA_DIR', '/srv/data')\n",
        "data = os.environ.get('DATA_DIR')\n",
    ],
    ids=["not-a-location", "read-location", "absolute-default", "no-default"],
)
def test_other_environment_reads_are_left_alone(tmp_path, code):
    facts = detect(write(tmp_path, {"app.py": FLASK + code, "requirements.txt": "flask==3.0.3\n"}))
    assert not [w for w in facts.writable if w.env]
