"""The corpus of public apps (tests/fixtures/corpus, issue 18): each app's provenance and routes are recorded, the
corpus covers the issue's classes, the route runner asks and judges routes as routes.toml says, and
docs/init-peers.md is what benchmarks/init_peers.py generates from the corpus."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
APPS = sorted(p.parent for p in CORPUS.glob("*/routes.toml"))
# The issue's classes (frameworks, dependency layouts, layouts, what apps do) the corpus must hold an app of.
REQUIRED_CLASSES = {
    "flask", "django", "fastapi", "starlette", "litestar", "quart", "sanic", "falcon", "bottle", "pyramid",
    "aiohttp", "tornado", "werkzeug", "requirements.txt", "requirements-folder", "poetry-no-lock", "poetry-lock",
    "pdm", "uv", "pipfile", "setup.py", "src-layout", "subfolder", "no-dependency-file", "config-file-relative-path",
    "sqlite-path-joinpath", "self-serving", "factory-or-container", "old-pins", "newer-python",
}  # fmt: skip


def _routes_module():
    spec = importlib.util.spec_from_file_location("corpus_routes_under_test", ROOT / "benchmarks" / "corpus_routes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_corpus_holds_at_least_30_apps() -> None:
    assert len(APPS) >= 30


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_each_app_records_its_source_licence_and_routes(app: Path) -> None:
    source = (app / "SOURCE.md").read_text()
    assert re.search(r"^- Source: https://github\.com/\S+, (directory `[^`]+`, )?commit [0-9a-f]{40}$", source, re.M)
    licence = re.search(r"^- Licence: (.+) \(`([^`]+)`", source, re.M)
    assert licence and (app / licence.group(2)).is_file(), "the licence's file is kept beside the app"
    assert re.search(r"^- Trimmed: ", source, re.M)
    routes = tomllib.loads((app / "routes.toml").read_text())
    host = routes["host"]
    assert isinstance(host["runs_on_host"], bool) and host["run"]
    assert host["runs_on_host"] or host.get("host_note"), "an app that does not run says why"
    assert routes["steps"] and all(step["path"].startswith("/") for step in routes["steps"])
    assert set(routes["classes"]) <= REQUIRED_CLASSES | {
        "procfile", "paste-ini", "pyproject-pep621", "sqlite-relative-path", "writes-files", "external-service",
    }  # fmt: skip


def test_the_corpus_covers_the_issue_classes() -> None:
    held = {c for app in APPS for c in tomllib.loads((app / "routes.toml").read_text())["classes"]}
    assert REQUIRED_CLASSES - held == set()


@pytest.fixture
def notes_app() -> Iterator[str]:
    """A loopback WSGI app with a write and a read: POST /notes stores a note (303, a cookie), GET /notes lists."""
    notes: list[str] = []

    def app(environ, start_response):
        if environ["REQUEST_METHOD"] == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
            notes.append(body.partition("=")[2])
            start_response("303 See Other", [("Location", "/notes"), ("Set-Cookie", "seen=yes; Path=/")])
            return [b""]
        if environ.get("HTTP_COOKIE") != "seen=yes":
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"who are you"]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"notes": notes}).encode()]

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.network  # a loopback HTTP server: the hermetic tier refuses every connect
def test_run_steps_keeps_cookies_follows_no_redirect_and_captures(notes_app: str) -> None:
    routes = _routes_module()
    steps = [
        {"method": "POST", "path": "/notes", "form": {"text": "hello"}, "status": 303},
        {"path": "/notes", "expect": "hello", "capture": {"first": "json:notes.0"}},
        {"path": "/notes", "expect": '"{first}"'},
    ]
    results = routes.run_steps(notes_app, steps)
    assert [r.ok for r in results] == [True, True, True], [r.cause for r in results]


@pytest.mark.network  # a loopback HTTP server: the hermetic tier refuses every connect
def test_run_steps_names_a_wrong_status_a_missing_text_and_a_short_count(notes_app: str) -> None:
    routes = _routes_module()
    results = routes.run_steps(
        notes_app,
        [
            {"path": "/notes", "expect": "notes"},  # no cookie yet: 401
            {"method": "POST", "path": "/notes", "form": {"text": "one"}, "status": 303},
            {"path": "/notes", "expect": "two"},
            {"path": "/notes", "expect": "one", "count": 2},
        ],
    )
    assert [r.ok for r in results] == [False, True, False, False]
    assert "status 401, expected 200" in results[0].cause
    assert "lacks 'two'" in results[2].cause
    assert "lacks 'one' x2" in results[3].cause


@pytest.mark.network  # a loopback HTTP server: the hermetic tier refuses every connect
def test_run_steps_stops_when_nothing_answers() -> None:
    routes = _routes_module()
    results = routes.run_steps("http://127.0.0.1:9", [{"path": "/"}, {"path": "/again"}], timeout=2)
    assert len(results) == 1 and not results[0].ok and "no answer" in results[0].cause


def test_init_peers_doc_is_what_the_script_generates() -> None:
    generated = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "init_peers.py")], capture_output=True, text=True, check=True
    ).stdout
    assert generated == (ROOT / "docs" / "init-peers.md").read_text()
