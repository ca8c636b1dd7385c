"""The seed's own "before" example (docker-best-practices.md), as its reader first tries it: `dockwise lint` in a
folder holding the starting Dockerfile, a Flask `web_app.py` that calls `app.run()`, and the `.env`, `.venv` and
`__pycache__` the seed's .dockerignore later excludes. Every practice the seed names must show up, root included;
the seed's finished Dockerfile must clear the ones it fixes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BEFORE = "FROM python:3.9\nCOPY . .\nRUN pip install -r requirements.txt\nCMD python web_app.py\n"
AFTER = (
    "FROM python:3.9-slim\nWORKDIR /app\nCOPY requirements.txt ./\nCOPY web_app.py ./\n"
    "RUN pip install --no-cache-dir -r requirements.txt\nEXPOSE 5000\n"
    "RUN useradd -ms /bin/bash appuser\nUSER appuser\n"
    'CMD ["python", "web_app.py"]\n'
)
WEB_APP = (
    "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.route('/')\ndef hello():\n"
    "    return 'Hello, Docker!'\n\n\nif __name__ == '__main__':\n    app.run(host='0.0.0.0', port=5000)\n"
)
SEED_IGNORE = ".venv/\n*.pyc\n__pycache__/\n*.env\n.git/\n"


def seed_folder(root: Path, dockerfile: str, dockerignore: str | None) -> Path:
    files = {
        "Dockerfile": dockerfile,
        "requirements.txt": "flask\n",
        "web_app.py": WEB_APP,
        ".env": "SECRET_KEY=change-me\n",
        ".venv/bin/python": "",
        "__pycache__/web_app.cpython-39.pyc": "",
    }
    if dockerignore is not None:
        files[".dockerignore"] = dockerignore
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def lint_rules(folder: Path) -> dict[str, list[str]]:
    result = subprocess.run(
        [sys.executable, "-m", "dockwise.cli", "lint", "--format", "json"],
        cwd=folder,
        capture_output=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=60,
    )
    assert result.returncode == 1, result.stderr.decode()
    found: dict[str, list[str]] = {}
    for finding in json.loads(result.stdout):
        found.setdefault(finding["rule"], []).append(finding["message"])
    return found


def test_the_seeds_starting_dockerfile_runs_as_root_on_a_full_image_with_a_dev_server(tmp_path):
    found = lint_rules(seed_folder(tmp_path, BEFORE, dockerignore=None))
    assert "runs as root" in " ".join(found["DW008"])  # no USER, and web_app.py serves (app.run)
    assert "calls app.run()" in " ".join(found["DW101"])  # the same detector says why it is a service
    assert "full variant" in " ".join(found["DW001"])
    assert ".env" in " ".join(found["DW115"])
    assert ".venv" in " ".join(found["DW116"]) and "__pycache__" in " ".join(found["DW116"])
    assert {"DW002", "DW005", "DW007", "DW104"} <= found.keys()


def test_the_seeds_finished_dockerfile_clears_what_it_fixes(tmp_path):
    found = lint_rules(seed_folder(tmp_path, AFTER, dockerignore=SEED_IGNORE))
    assert not {"DW001", "DW002", "DW005", "DW007", "DW008", "DW115", "DW116"} & found.keys(), found
    assert "DW101" in found  # still Flask's development server: the seed never changes that


def test_untagged_python_is_the_full_image(tmp_path):
    found = lint_rules(seed_folder(tmp_path, BEFORE.replace("python:3.9", "python"), dockerignore=None))
    assert "full variant" in " ".join(found["DW001"]) and "DW125" in found
