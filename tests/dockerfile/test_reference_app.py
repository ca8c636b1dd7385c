"""The reference app's Dockerfiles lint clean, and the patterns they use never trip a rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwise.core.findings import Severity
from dockwise.dockerfile.lint import lint_file
from tests.dockerfile.helpers import lint, rule_ids

WEBAPP = Path(__file__).parents[2] / "examples" / "webapp"


@pytest.mark.parametrize("name", ["Dockerfile", "Dockerfile.distroless"])
def test_reference_dockerfiles_have_nothing_at_warning_or_above(name):
    path = WEBAPP / name
    if not path.exists():
        pytest.skip(f"{path} not written yet")
    findings, _ = lint_file(path)
    assert [f for f in findings if f.severity >= Severity.WARNING] == []


def test_reference_patterns_do_not_false_positive():
    text = (
        "ARG BUILDER=python:3.13-slim\nARG RUNTIME=gcr.io/distroless/python3-debian13:nonroot\n"
        "FROM ${BUILDER} AS build\nRUN python -m venv /venv\n"
        "RUN --mount=type=secret,id=cacert,target=/run/secrets/cacert --mount=type=cache,target=/root/.cache/pip \\\n"
        "    PIP_CERT=/run/secrets/cacert /venv/bin/pip install --require-hashes -r /tmp/requirements.txt\n"
        "FROM ${RUNTIME}\nENV PYTHONUNBUFFERED=1\nCOPY --from=build /venv /venv\nWORKDIR /app\nUSER 65532:65532\n"
        'EXPOSE 5000\nHEALTHCHECK CMD ["/venv/bin/python", "-c", "import urllib.request"]\n'
        'ENTRYPOINT []\nCMD ["/venv/bin/gunicorn", "web_app:app"]\n'
    )
    found = lint(text)
    assert {f.rule for f in found if f.severity >= Severity.WARNING} == set(), found
    assert rule_ids(found) <= {"DW113"}
