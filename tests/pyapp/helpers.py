"""Fixture apps and running `dockwise init` on copies of them."""

from __future__ import annotations

import shutil
import textwrap
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

# The package a PasteDeploy .ini names (`use = egg:hello`), installed from its pyproject.toml.
PASTE_PACKAGE = {
    "pyproject.toml": textwrap.dedent(
        """\
        [project]
        name = "hello"
        version = "0.1.0"
        dependencies = ["pyramid==2.1"]

        [project.entry-points."paste.app_factory"]
        main = "hello:main"

        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"
        """
    ),
    "hello/__init__.py": textwrap.dedent(
        """\
        from pyramid.config import Configurator
        from pyramid.response import Response


        def greet(request):
            return Response(request.registry.settings["hello.greeting"])


        def main(global_config, **settings):
            with Configurator(settings=settings) as config:
                config.add_route("greet", "/")
                config.add_view(greet, route_name="greet")
                return config.make_wsgi_app()
        """
    ),
}


def write(root: Path, files: dict[str, str]) -> Path:
    """`files` (relative path -> text) under `root`, which is returned."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root
