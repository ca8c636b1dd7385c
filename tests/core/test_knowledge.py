"""lint and inspect judge files by one definition: what lint says a COPY sends as a secret or as junk, inspect says
the image holds as a secret or as junk."""

from __future__ import annotations

import pytest

from tests.dockerfile.helpers import lint
from tests.image.checks.helpers import PASSWD, F, image, layer

SECRETS = ["secrets.yaml", ".htpasswd", ".env", "config/.env.production", "deploy/id_ed25519", "certs/server.pem",
           "tls.key", ".npmrc", ".pypirc", ".netrc", ".aws/credentials", "credentials.json", "vpn/office.ovpn"]
NOT_SECRETS = ["app.py", "README.md", "templates/secret_page.html", "env.py", "keys.py", "static/token.js"]
JUNK = [".venv/bin/python", "node_modules/x/index.js", ".pytest_cache/v/x", ".idea/workspace.xml", "Dockerfile",
        "compose.yaml", ".DS_Store", ".gitignore", ".tox/py311/x"]
DOCKERFILE = "FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\n"


def _lint_message(tmp_path, path, rule):
    files = [(path, "x\n"), (".dockerignore", "nothing-excluded\n")]
    return " ".join(f.message for f in lint(DOCKERFILE, tmp_path, files) if f.rule == rule)


def _image(path):
    return image(layer(PASSWD, F("app/" + path, b"x\n")), WorkingDir="/app")


@pytest.mark.parametrize("path", SECRETS + NOT_SECRETS)
def test_secret_files_agree(tmp_path, path):
    by_lint = path in _lint_message(tmp_path, path, "DW115")
    by_inspect = "/app/" + path in _image(path).secrets.files
    assert by_lint == by_inspect == (path in SECRETS)


@pytest.mark.parametrize("path", JUNK + NOT_SECRETS)
def test_junk_agrees(tmp_path, path):
    name = path.split("/")[0] if "/" in path else path
    by_lint = name in _lint_message(tmp_path, path, "DW116")
    by_inspect = any(j == "/app/" + name for j in _image(path).app_junk)
    assert by_lint == by_inspect == (path in JUNK)
