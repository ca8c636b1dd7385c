"""The one definition of a development server, which `init` (pyapp) and `lint` (DW101, DW008) both use."""

from __future__ import annotations

import pytest

from dockwise.core.devserver import dev_server_reason, python_script
from dockwise.pyapp.server import app_script_reader

SCRIPTS = {
    "web_app.py": "from flask import Flask\napp = Flask(__name__)\nif __name__ == '__main__':\n    app.run(port=5000)\n",
    "dash_app.py": "app = Dash()\napp.run_server(debug=True)\n",
    "batch.py": "import asyncio\nasyncio.run(main())\nsubprocess.run(['ls'])\n",
    "prod.py": "import uvicorn\nuvicorn.run(app, host='0.0.0.0')\n",
    "comment.py": "# app.run() is for laptops\n",
}


def read(path: str) -> str | None:
    return SCRIPTS.get(path)


@pytest.mark.parametrize(
    "argv, reason",
    [
        (["flask", "run", "--host=0.0.0.0"], "`flask run` is Flask's development server"),
        (["python3", "-m", "flask", "run"], "`flask run` is Flask's development server"),
        (["python", "manage.py", "runserver", "0.0.0.0:8000"], "`manage.py runserver` is Django's development server"),
        (["uvicorn", "main:app", "--reload"], "`uvicorn --reload` is a development mode"),
        (["python", "web_app.py"], "`python web_app.py` calls app.run(), the framework's development server"),
        (["python3.12", "-u", "web_app.py"], "`python web_app.py` calls app.run(), the framework's development server"),
        (["python", "dash_app.py"], "`python dash_app.py` calls app.run(), the framework's development server"),
        (["python", "batch.py"], None),
        (["python", "prod.py"], None),
        (["python", "comment.py"], None),
        (["python", "missing.py"], None),
        (["gunicorn", "app:app"], None),
        ([], None),
    ],
)
def test_dev_server_reason(argv, reason):
    assert dev_server_reason(argv, read) == reason


@pytest.mark.parametrize(
    "argv, script",
    [
        (["python", "app.py"], "app.py"),
        (["/usr/local/bin/python3", "-X", "dev", "-B", "src/app.py", "--port", "1"], "src/app.py"),
        (["python", "-m", "app.py"], None),
        (["python", "-c", "import app"], None),
        (["python", "app"], None),
        (["node", "app.py"], None),
    ],
)
def test_python_script(argv, script):
    assert python_script(argv) == script


def test_init_reads_only_inside_the_app_folder(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "web_app.py").write_text("app.run()\n")
    (tmp_path / "outside.py").write_text("app.run()\n")
    (app / "link.py").symlink_to(tmp_path / "outside.py")
    reader = app_script_reader(app)
    assert reader("web_app.py") == "app.run()\n"
    assert reader("../outside.py") is None and reader("link.py") is None and reader("nope.py") is None
    assert dev_server_reason(["python", "../outside.py"], reader) is None
