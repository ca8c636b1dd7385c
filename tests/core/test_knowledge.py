"""lint and inspect judge files by one definition: what lint says a COPY sends as a secret or as junk, inspect says
the image holds as a secret or as junk."""

from __future__ import annotations

import pytest

from tests.dockerfile.helpers import lint
from tests.image.checks.helpers import PASSWD, F, image, layer

SECRETS = [
    "secrets.yaml",
    ".htpasswd",
    ".env",
    "config/.env.production",
    "deploy/id_ed25519",
    "certs/server.pem",
    "tls.key",
    ".npmrc",
    ".pypirc",
    ".netrc",
    ".aws/credentials",
    "credentials.json",
    "vpn/office.ovpn",
]
NOT_SECRETS = [
    "app.py",
    "README.md",
    "templates/secret_page.html",
    "env.py",
    "keys.py",
    "static/token.js",
    ".env.example",
    "config/.env.sample",
    "sample.env",
    "certs/ca-bundle.pem",
    "web/.npmrc",
]
# Content for the names whose content decides (knowledge.BY_CONTENT); every other file holds "x".
CONTENT = {
    "certs/server.pem": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
    "certs/ca-bundle.pem": "-----BEGIN CERTIFICATE-----\nMIIE\n-----END CERTIFICATE-----\n",
    ".npmrc": "//registry.npmjs.org/:_authToken=npm_abc\n",
    "web/.npmrc": "engine-strict=true\n",
}
JUNK = [
    ".venv/bin/python",
    "node_modules/x/index.js",
    ".pytest_cache/v/x",
    ".idea/workspace.xml",
    ".DS_Store",
    ".tox/py311/x",
]
METADATA = ["Dockerfile", "compose.yaml", ".gitignore"]  # junk to inspect; lint names it only beside heavier junk
DOCKERFILE = "FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\n"


def _lint_message(tmp_path, path, rule):
    files = [(path, CONTENT.get(path, "x\n")), (".dockerignore", "nothing-excluded\n")]
    return " ".join(f.message for f in lint(DOCKERFILE, tmp_path, files) if f.rule == rule)


def _image(path):
    return image(layer(PASSWD, F("app/" + path, CONTENT.get(path, "x\n").encode())), WorkingDir="/app")


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


@pytest.mark.parametrize("path", METADATA)
def test_metadata_is_junk_to_inspect_and_named_by_lint_only_beside_heavier_junk(tmp_path, path):
    assert any(j == "/app/" + path for j in _image(path).app_junk)
    assert path not in _lint_message(tmp_path, path, "DW116")
    files = [(path, "x\n"), (".venv/bin/python", "x\n"), (".dockerignore", "nothing-excluded\n")]
    assert path in " ".join(f.message for f in lint(DOCKERFILE, tmp_path, files) if f.rule == "DW116")
