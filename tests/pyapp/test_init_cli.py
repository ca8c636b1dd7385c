"""`dockwise init` as a user runs it: files written whole or not at all, bad input in one line with exit 2."""

from __future__ import annotations

import os

import pytest

from tests.pyapp.helpers import GENERATED, copy_app, run_init


def written(app) -> list[str]:
    return sorted(name for name in os.listdir(app) if name in GENERATED or ".dockwise-tmp" in name)


def test_writes_the_four_files_and_the_evidence(tmp_path):
    app = copy_app("flaskr", tmp_path)
    result = run_init(app)
    assert result.exit_code == 0, result.output
    assert written(app) == sorted(GENERATED)
    assert "flaskr/__init__.py:6" in result.output and "still to do" in result.output
    assert "flask --app flaskr init-db" in result.output


def test_never_overwrites_without_force_and_dry_run_shows_a_diff(tmp_path):
    app = copy_app("flask-quickstart", tmp_path)
    (app / "Dockerfile").write_text("FROM scratch\n")
    result = run_init(app)
    assert result.exit_code == 2 and "Dockerfile already exists" in result.output
    assert (app / "Dockerfile").read_text() == "FROM scratch\n" and written(app) == ["Dockerfile"]
    dry = run_init(app, "--dry-run")
    assert dry.exit_code == 0 and "-FROM scratch" in dry.output and written(app) == ["Dockerfile"]
    assert run_init(app, "--force").exit_code == 0 and written(app) == sorted(GENERATED)


def test_dry_run_prints_every_file_and_writes_nothing(tmp_path):
    app = copy_app("django-skeleton", tmp_path)
    result = run_init(app, "--dry-run")
    assert result.exit_code == 0 and written(app) == []
    assert all(f"--- {name}" in result.output for name in GENERATED)


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    app = copy_app("flask-quickstart", tmp_path)
    (app / "compose.yaml").mkdir()
    result = run_init(app, "--force")
    assert result.exit_code == 2 and written(app) == ["compose.yaml"] and (app / "compose.yaml").is_dir()


def one_error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def test_empty_folder(tmp_path):
    assert "is empty" in one_error_line(run_init(tmp_path))
    assert written(tmp_path) == []


def test_folder_without_a_web_app(tmp_path):
    (tmp_path / "tool.py").write_text("print('hello')\n")
    (tmp_path / "requirements.txt").write_text("requests==2.32.3\n")
    assert "no web app found" in one_error_line(run_init(tmp_path))
    assert written(tmp_path) == []


def test_two_candidate_apps_ask_for_app(tmp_path):
    app = copy_app("flask-quickstart", tmp_path)
    (app / "api.py").write_text("from fastapi import FastAPI\napi = FastAPI()\n")
    line = one_error_line(run_init(app))
    assert "2 candidate apps" in line and "--app" in line and "api.py:2" in line
    assert written(app) == []
    assert run_init(app, "--app", "app:app").exit_code == 0


def test_syntax_error_in_a_module_the_app_imports(tmp_path):
    app = copy_app("flask-quickstart", tmp_path)
    (app / "views.py").write_text("def broken(:\n    pass\n")
    (app / "app.py").write_text("import views\n" + (app / "app.py").read_text())
    result = run_init(app)
    assert result.exit_code == 2
    assert one_error_line(result).startswith("error: views.py:1: invalid syntax")
    assert written(app) == []


def test_syntax_error_in_the_entry_module(tmp_path):
    app = copy_app("flask-quickstart", tmp_path)
    (app / "app.py").write_text((app / "app.py").read_text() + "\nprint 'started'\n")
    result = run_init(app)
    assert result.exit_code == 2
    assert one_error_line(result).startswith("error: app.py:")
    assert written(app) == []


def test_syntax_error_off_the_entry_path_is_skipped_with_a_note(tmp_path):
    app = copy_app("flask-quickstart", tmp_path)
    (app / "legacy.py").write_text("x = 1\nprint 'python 2'\n")
    result = run_init(app)
    assert result.exit_code == 0, result.output
    assert "legacy.py:2: " in result.output and "skipped" in result.output
    assert sorted(written(app)) == [".dockerignore", "Dockerfile", "Dockerfile.distroless", "compose.yaml"]


@pytest.mark.parametrize(
    "requirements, message",
    [
        ("flask==3.1.0\nflask==3.0.0\n", "unresolvable requirements"),
        ("-r base.txt\n", "base.txt does not exist"),
        ("flask ===== 3\n", "is not a valid requirement"),
    ],
)
def test_unresolvable_requirements(tmp_path, requirements, message):
    app = copy_app("flask-quickstart", tmp_path)
    (app / "requirements.txt").write_text(requirements)
    assert message in one_error_line(run_init(app))
    assert written(app) == []


def test_python_outside_the_bases_is_said_with_the_way_out(tmp_path):
    app = copy_app("flask-quickstart", tmp_path)
    (app / ".python-version").write_text("3.12\n")
    result = run_init(app)
    assert result.exit_code == 0
    assert "pins Python 3.12" in result.output and "nearest, 3.11" in result.output
    assert "ARG BASE_IMAGE=python:3.11-slim" in (app / "Dockerfile").read_text()
