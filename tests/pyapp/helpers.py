"""Fixture apps and running `dockwise init` on copies of them."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from dockwise.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "apps"
GENERATED = ("Dockerfile", "Dockerfile.distroless", ".dockerignore", "compose.yaml")


def copy_app(name: str, destination: Path) -> Path:
    target = destination / name
    shutil.copytree(FIXTURES / name, target)
    return target


def run_init(app: Path, *args: str):
    return CliRunner().invoke(main, ["init", str(app), *args])


# The smallest apps of each kind, for tests that put one hostile value into them.
FLASK = 'from flask import Flask\napp = Flask(__name__)\n\n\n@app.route("/")\ndef index():\n    return "hi"\n'
DJANGO = {
    "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
    "mysite/__init__.py": "",
    "mysite/wsgi.py": "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n",
    "mysite/settings.py": "WSGI_APPLICATION = 'mysite.wsgi.application'\n",
    "requirements.txt": "django==5.1.4\n",
}
