"""Rules about what a RUN leaves behind also see the RUN an ONBUILD defers to child images."""

from __future__ import annotations

import pytest

from tests.dockerfile.helpers import lint, rule_ids

BASE = "FROM python:3.13-slim@sha256:" + "0" * 64 + "\n"


@pytest.mark.parametrize(
    ("deferred", "rule"),
    [
        ("ONBUILD RUN pip install flask==3.1.0", "DW005"),
        ("ONBUILD RUN curl -fsSL https://example.invalid/install.sh | sh", "DW107"),
        ("ONBUILD RUN sudo true", "DW108"),
        ("ONBUILD RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*", "DW109"),
        ("ONBUILD RUN apt-get update && apt-get install -y --no-install-recommends curl", "DW110"),
    ],
)
def test_deferred_run_is_checked(deferred, rule):
    assert rule in rule_ids(lint(BASE + deferred + "\n"))


@pytest.mark.parametrize(
    ("deferred", "rule"),
    [
        ("ONBUILD RUN pip install --no-cache-dir flask==3.1.0", "DW005"),
        ("ONBUILD RUN --mount=type=cache,target=/root/.cache/pip pip install flask==3.1.0", "DW005"),
        ("ONBUILD RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*",
         "DW110"),
        ("ONBUILD COPY . /app", "DW108"),
    ],
)
def test_clean_deferred_run_is_not_flagged(deferred, rule):
    assert rule not in rule_ids(lint(BASE + deferred + "\n"))
