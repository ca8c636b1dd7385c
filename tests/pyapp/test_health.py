"""The health check asks a path the app answers: its health route, its front page, a page the framework serves
itself, or a GET route without parameters — and says so when it can only guess."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwise.pyapp.detect import InitOptions, detect
from dockwise.pyapp.entry import find_candidates
from dockwise.pyapp.health import choose_health
from dockwise.pyapp.scan import served_modules, walk_files
from tests.pyapp.helpers import write


def chosen(tmp_path: Path, files: dict[str, str]):
    write(tmp_path, files)
    modules, _ = served_modules(tmp_path, walk_files(tmp_path))
    candidates = find_candidates(modules)
    return choose_health(modules, candidates[0] if candidates else None, django=False)


FASTAPI = "from fastapi import FastAPI, APIRouter\n"
FLASK = "from flask import Flask, Blueprint\n"
QUART_SCHEMA = "from quart import Quart\nfrom quart_schema import QuartSchema\napp = Quart(__name__)\n"


@pytest.mark.parametrize(
    ("files", "path", "certain"),
    [
        (
            {
                "app.py": FLASK
                + "app = Flask(__name__)\n@app.get('/healthz')\ndef h(): ...\n@app.get('/')\ndef i(): ...\n"
            },
            "/healthz",
            True,
        ),
        (
            {
                "app.py": FLASK
                + "app = Flask(__name__)\n@app.route('/items')\ndef a(): ...\n@app.route('/')\ndef i(): ...\n"
            },
            "/",
            True,
        ),
        ({"app.py": FASTAPI + "app = FastAPI()\n@app.get('/customers')\ndef c(): ...\n"}, "/docs", True),
        (
            {
                "app.py": FASTAPI
                + "app = FastAPI(docs_url=None)\n@app.get('/items/{id}')\ndef one(id): ...\n@app.get('/items')\ndef all(): ...\n"
            },
            "/items",
            True,
        ),
        (
            {
                "app.py": FLASK
                + "app = Flask(__name__)\n@app.route('/save', methods=['POST'])\ndef s(): ...\n@app.route('/list')\ndef l(): ...\n"
            },
            "/list",
            True,
        ),
        (
            {
                "app.py": FASTAPI
                + "from routes import api\napp = FastAPI(docs_url=None)\napp.include_router(api, prefix='/v1')\n",
                "routes.py": FASTAPI + "api = APIRouter()\n@api.get('/users')\ndef u(): ...\n",
            },
            "/",
            False,
        ),
        (
            {
                "app.py": FASTAPI
                + "app = FastAPI(docs_url=None)\nr = APIRouter(prefix='/api')\n@r.get('/x')\ndef x(): ...\n"
            },
            "/",
            False,
        ),
        (
            {"app.py": FLASK + "app = Flask(__name__)\n@app.route('/upload', methods=['POST'])\ndef u(): ...\n"},
            "/",
            False,
        ),
        ({"app.py": "def app(environ, start_response): ...\n"}, "/", True),
        ({"app.py": "from quart import Quart\napp = Quart(__name__)\n@app.post('/echo')\ndef e(): ...\n"}, "/", False),
        ({"app.py": QUART_SCHEMA + "QuartSchema(app)\n@app.post('/echo')\ndef e(): ...\n"}, "/docs", True),
        (
            {"app.py": QUART_SCHEMA + "QuartSchema(app, swagger_ui_path='/api-docs')\n@app.post('/e')\ndef e(): ...\n"},
            "/api-docs",
            True,
        ),
        (
            {"app.py": QUART_SCHEMA + "QuartSchema(app, swagger_ui_path=None)\n@app.post('/e')\ndef e(): ...\n"},
            "/",
            False,
        ),
        (
            {
                "app.py": "import falcon\nclass Things:\n    def on_get(self, req, resp): ...\n"
                "app = falcon.App()\nthings = Things()\napp.add_route('/things', things)\n"
            },
            "/things",
            True,
        ),
    ],
    ids=[
        "own-route",
        "front-page",
        "fastapi-docs",
        "no-params",
        "get-only",
        "included-with-prefix",
        "router-prefix",
        "post-only",
        "no-routes",
        "post-decorator-only",
        "quart-schema-page",
        "quart-schema-page-moved",
        "quart-schema-page-off",
        "falcon-resource",
    ],
)
def test_the_health_path_is_one_the_app_answers(tmp_path, files, path, certain):
    choice = chosen(tmp_path, files)
    assert (choice.path, choice.certain) == (path, certain)


def test_a_guess_is_a_to_do_naming_the_flag(tmp_path):
    (tmp_path / "app.py").write_text(
        FLASK + "app = Flask(__name__)\n@app.route('/upload', methods=['POST'])\ndef u(): ...\n"
    )
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n")
    facts = detect(tmp_path, InitOptions())
    assert facts.health_path == "/"
    assert any("--health-path" in item for item in facts.todo)
    flagged = detect(tmp_path, InitOptions(health_path="/upload"))
    assert flagged.health_path == "/upload" and not any("--health-path" in item for item in flagged.todo)
