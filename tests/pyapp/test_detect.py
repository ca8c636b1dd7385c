"""What detection finds in each real fixture app, with its evidence (hermetic: no network, no engine)."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from dockwise.pyapp.detect import InitOptions, detect
from tests.pyapp.helpers import FIXTURES


def facts(name: str, **options):
    return detect(FIXTURES / name, InitOptions(**options))


def decision(found, topic: str):
    return next(d for d in found.decisions if d.topic == topic)


def test_flaskr_factory_from_pyproject_with_instance_folder_and_init_db():
    found = facts("flaskr")
    assert found.candidate.target == "flaskr:create_app()" and found.candidate.factory
    assert found.candidate.evidence.where() == "flaskr/__init__.py:6"
    assert found.deps.kind == "pyproject" and not found.deps.pinned and found.packaged
    assert found.server.server.name == "granian" and found.server.added  # WSGI default: see pyapp/server.py
    assert found.command[-2:] == ("--factory", "flaskr:create_app")  # granian calls the factory itself
    assert [str(w.path) for w in found.writable] == ["/opt/venv/var/flaskr-instance"]
    assert found.writable[0].evidence.where() == "flaskr/__init__.py:8"
    steps = [s.command for s in found.setup_suggestions]
    assert steps[0] == "flask --app flaskr init-db" and found.setup_suggestions[0].evidence.where() == "flaskr/db.py:41"
    assert found.copies == ()  # the package is installed as a wheel, not copied


def test_inspector_hashed_includes_procfile_and_python_pin():
    found = facts("inspector")
    assert found.deps.kind == "requirements" and found.deps.hashed
    assert found.deps.files == ("requirements.txt", "requirements/main.txt", "requirements/deploy.txt")
    assert any("requirements/lint.txt" in note for note in found.notes)
    assert found.python.version == "3.11" and found.python.evidence.where() == ".python-version:1"
    assert found.server.server.name == "gunicorn" and not found.server.added
    assert found.command[:3] == ("/opt/venv/bin/gunicorn", "--bind", "0.0.0.0:8000")
    assert "gunicorn.conf" in found.command and found.command[-1] == "inspector.main:app"
    assert "Procfile:1" in decision(found, "command").evidence
    assert found.health_path == "/_health/"
    assert found.copies == ("gunicorn.conf", "inspector/")


def test_gunicorn_from_the_app_keeps_it_and_warns_about_slow_clients():
    from dockwise.pyapp.stages.serve import SLOW_CLIENTS_WARNING

    assert SLOW_CLIENTS_WARNING in facts("flask-quickstart").warnings  # its own requirement
    assert SLOW_CLIENTS_WARNING in facts("inspector").warnings  # its Procfile
    assert SLOW_CLIENTS_WARNING not in facts("flask-quickstart", server="gunicorn").warnings  # chosen knowingly
    assert SLOW_CLIENTS_WARNING not in facts("flaskr").warnings  # granian


def test_server_flag_replaces_the_procfiles_server_and_keeps_its_app():
    found = facts("inspector", server="granian")
    assert found.server.server.name == "granian" and found.server.added
    assert found.command[0] == "/opt/venv/bin/granian" and found.command[-1] == "inspector.main:app"
    assert "gunicorn.conf" not in found.command and "Procfile:1" in decision(found, "app").evidence


def test_fastapi_asgi_with_uvicorn_and_port_from_code():
    found = facts("fastapi-quickstart")
    assert (found.candidate.target, found.interface, found.framework) == ("main:app", "asgi", "fastapi")
    assert found.server.server.name == "uvicorn" and not found.server.added
    assert found.port == 8000 and "main.py:33" in decision(found, "port").evidence
    assert set(found.copies) == {"main.py", "static/", "templates/"}


def test_flask_module_app_never_uses_app_run():
    found = facts("flask-quickstart")
    assert found.candidate.target == "app:app"
    assert found.command[0] == "/opt/venv/bin/gunicorn" and "run" not in found.command
    assert not found.deps.pinned  # gunicorn is unpinned upstream


def test_django_quickstart_settings_static_root_and_sqlite():
    found = facts("django-quickstart")
    assert found.candidate.target == "quickstartproject.wsgi:application"
    assert found.django_settings == "quickstartproject.settings"
    assert any("quickstartproject.production" in item for item in found.todo)
    assert found.collectstatic
    assert [(str(w.path), w.is_dir) for w in found.writable] == [("/app/db.sqlite3", False)]
    assert "python manage.py migrate" in [s.command for s in found.setup_suggestions]
    assert set(found.copies) == {"hello_azure/", "manage.py", "quickstartproject/", "static/"}


def test_django_skeleton_without_static_root():
    found = facts("django-skeleton")
    assert found.candidate.target == "mysite.wsgi:application"
    assert decision(found, "app").evidence.startswith("mysite.wsgi:application")
    assert not found.collectstatic and any("STATIC_ROOT" in item for item in found.todo)
    assert found.deps.pinned and not found.deps.hashed


@pytest.mark.parametrize("flag, expected", [({"port": 9000}, 9000), ({}, 8000)])
def test_port_flag_wins(flag, expected):
    found = facts("flask-quickstart", **flag)
    assert found.port == expected and f"0.0.0.0:{expected}" in found.command


def test_flags_win_over_detection():
    found = facts("fastapi-quickstart", python="3.11", health_path="/docs", cmd="uvicorn main:app --port 8000")
    assert found.python.version == "3.11" and found.health_path == "/docs"
    assert found.command[0] == "/opt/venv/bin/uvicorn"


def test_setup_flag_becomes_the_launchers_argv():
    found = facts("flaskr", setup="flask --app flaskr init-db")
    assert found.setup == ("flask", "--app", "flaskr", "init-db")
    assert not any("set the app up" in item for item in found.todo)


def test_no_dev_server_from_cmd():
    from dockwise.core.errors import DockwiseError

    with pytest.raises(DockwiseError, match="development server"):
        facts("flask-quickstart", cmd="flask run --host 0.0.0.0")


def test_writable_paths_are_relative_to_the_app():
    found = facts("django-skeleton")
    assert found.writable[0].path == PurePosixPath("/app/db.sqlite3")
