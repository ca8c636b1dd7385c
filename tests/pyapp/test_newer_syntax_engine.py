"""The rewritten code keeps what CPython 3.13 itself reads: every statement and every name on the line 3.13 puts it
(engine: 3.13 runs in dockwise's local slim base, no network)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from dockwise.pyapp.newer_syntax import rewrite
from tests.pyapp.test_newer_syntax import CONSTRUCTS, FLASK_APP, NEWER_APP

pytestmark = pytest.mark.engine

CORPUS_APP = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "fastapi-type-alias"
HELPERS = {"format", "repr", "str", "ascii"}  # what an f-string becomes; never compared

# Runs inside the container: the same summary as `summary` below, from CPython 3.13's own parser.
SUMMARY = """
import ast, json, sys
def summary(text):
    tree = ast.parse(text)
    skipped = {id(n) for node in ast.walk(tree) for p in getattr(node, "type_params", []) for n in ast.walk(p)}
    statements = sorted(
        ("AnnAssign" if isinstance(n, ast.TypeAlias) else type(n).__name__, n.lineno)
        for n in ast.walk(tree) if isinstance(n, ast.stmt)
    )
    names = sorted(
        (n.id, n.lineno, type(n.ctx).__name__) for n in ast.walk(tree)
        if isinstance(n, ast.Name) and id(n) not in skipped and n.id not in HELPERS
    )
    return [statements, names]
HELPERS = set(json.loads(sys.argv[2]))
print(json.dumps({name: summary(text) for name, text in json.loads(sys.argv[1]).items()}))
"""


def summary(tree: ast.Module) -> list:
    statements = sorted((type(n).__name__, n.lineno) for n in ast.walk(tree) if isinstance(n, ast.stmt))
    names = sorted(
        (n.id, n.lineno, type(n.ctx).__name__)
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and n.id not in HELPERS
    )
    return [[list(s) for s in statements], [list(n) for n in names]]


def test_rewritten_code_has_every_statement_and_name_where_python_313_has_it(docker_client, test_labels):
    sources = {name: construct + FLASK_APP for name, (construct, _) in CONSTRUCTS.items()}
    sources["app"] = NEWER_APP
    sources["corpus repository.py"] = (CORPUS_APP / "src" / "repository.py").read_text()
    output = docker_client.containers.run(
        "dockwise/python:3.13-slim",
        ["python3", "-c", SUMMARY, json.dumps(sources), json.dumps(sorted(HELPERS))],
        labels=test_labels,
        network_disabled=True,
        remove=True,
    )
    expected = json.loads(output)
    for name, text in sources.items():
        with pytest.raises(SyntaxError) as refused:
            ast.parse(text)
        found = rewrite(text, "app.py", refused.value)
        assert isinstance(found, tuple), (name, found)
        assert summary(found[0]) == expected[name], name
