"""Rules about what a RUN leaves behind also see the RUN an ONBUILD defers to child images."""

from __future__ import annotations

import pytest

from dockwise.core.rules import all_rules
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
        ("ONBUILD RUN cd /src && make", "DW002"),
        ("ONBUILD RUN pip install --no-cache-dir flask", "DW104"),
    ],
)
def test_deferred_run_is_checked(deferred, rule):
    assert rule in rule_ids(lint(BASE + deferred + "\n"))


@pytest.mark.parametrize(
    ("deferred", "rule"),
    [
        ("ONBUILD RUN pip install --no-cache-dir flask==3.1.0", "DW005"),
        ("ONBUILD RUN --mount=type=cache,target=/root/.cache/pip pip install flask==3.1.0", "DW005"),
        (
            "ONBUILD RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*",
            "DW110",
        ),
        ("ONBUILD COPY . /app", "DW108"),
    ],
)
def test_clean_deferred_run_is_not_flagged(deferred, rule):
    assert rule not in rule_ids(lint(BASE + deferred + "\n"))


def _run_hits(rule, text):
    lines = text.splitlines()
    return {f.line for f in lint(text) if f.rule == rule.id and f.line and lines[f.line - 1].startswith("RUN ")}


@pytest.mark.parametrize(
    "rule", [r for r in all_rules("dockerfile") if any(not e.context for e in r.examples())], ids=lambda r: r.id
)
def test_every_rule_that_flags_a_run_flags_it_deferred_too(rule):
    """No rule opts in to ONBUILD: whatever a rule finds in a RUN of its own anti-pattern, it finds in ONBUILD RUN."""
    for example in (e for e in rule.examples() if e.bad and not e.context):
        hits = _run_hits(rule, example.dockerfile)
        if not hits:
            continue
        lines = example.dockerfile.splitlines()
        deferred = "\n".join("ONBUILD " + line if n in hits else line for n, line in enumerate(lines, 1)) + "\n"
        assert hits <= {f.line for f in lint(deferred) if f.rule == rule.id}, deferred
