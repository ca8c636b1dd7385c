"""gosu, su-exec or setpriv put into the final image beside an ENTRYPOINT script: the script drops privileges with
it (DW124, off by default), so DW008 must not call the image a root service. Two real files (tests/fixtures/
dockerfiles/*/SOURCE.md) that DW008 reported at warning, and the limits of the rule in own-words cases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dockwise.core.config import Settings
from dockwise.dockerfile.context import BuildContext
from dockwise.dockerfile.lint import lint_text
from tests.dockerfile.helpers import lint, rule_ids

FIXTURES = Path(__file__).parents[1] / "fixtures" / "dockerfiles"
DROPS = Settings(enable=frozenset({"DW124"}))  # DW124 is off by default


def test_redis_linted_without_its_entrypoint_script():
    text = (FIXTURES / "redis" / "Dockerfile").read_text()
    found = lint(text, config=DROPS)  # as `dockwise lint -`: docker-entrypoint.sh is not at hand
    assert "DW008" not in rule_ids(found)
    drop = next(f for f in found if f.rule == "DW124")
    assert "`gosu` installed in the final image beside the ENTRYPOINT script docker-entrypoint.sh" in drop.message
    assert "DW008" not in rule_ids(lint(text))  # and by default: nothing about root


def test_synapse_start_py_execs_the_server_through_gosu(tmp_path):
    root = tmp_path / "synapse"
    shutil.copytree(FIXTURES / "synapse", root)
    dockerfile = root / "docker" / "Dockerfile"
    context = BuildContext.load(root, dockerfile)
    found = lint_text(dockerfile.read_text(), "docker/Dockerfile", context=context, config=DROPS)
    assert "DW008" not in rule_ids(found)
    assert "ENTRYPOINT script /start.py" in next(f.message for f in found if f.rule == "DW124")


def test_synapse_with_a_start_py_that_never_steps_down_runs_as_root(tmp_path):
    root = tmp_path / "synapse"
    shutil.copytree(FIXTURES / "synapse", root)
    (root / "docker" / "start.py").write_text("import os, sys\nos.execv(sys.executable, [sys.executable, '-m', 'x'])\n")
    dockerfile = root / "docker" / "Dockerfile"
    found = lint_text(dockerfile.read_text(), "docker/Dockerfile", context=BuildContext.load(root, dockerfile))
    assert "DW008" in rule_ids(found)  # the script is at hand and never names gosu: gosu alone proves nothing


ENTRYPOINT_TAIL = 'COPY entrypoint.sh /entrypoint.sh\nEXPOSE 8080\nENTRYPOINT ["/entrypoint.sh"]\nCMD ["app"]\n'


@pytest.mark.parametrize(
    "install",
    [
        "FROM alpine:3.23\nRUN apk add --no-cache 'su-exec==0.3-r0'\n",
        "FROM debian:trixie-slim\nRUN apt-get update && apt-get install -y --no-install-recommends gosu=1.17-3\n",
        "FROM alpine:3.23\nRUN apk add --no-cache setpriv\n",
        "FROM debian:trixie-slim\nCOPY --from=tianon/gosu:1.17 /gosu /usr/local/bin/\n",
        "FROM debian:trixie-slim\nADD https://github.com/tianon/gosu/releases/download/1.17/gosu-amd64 /usr/local/bin/gosu\n",
    ],
    ids=["apk su-exec", "apt gosu", "apk setpriv", "COPY --from gosu", "ADD gosu"],
)
def test_step_down_tool_beside_an_entrypoint_script_is_a_drop(install):
    found = lint(install + ENTRYPOINT_TAIL, config=DROPS)
    assert "DW008" not in rule_ids(found) and "DW124" in rule_ids(found)


def test_behind_tini_and_a_renamed_copy(tmp_path):
    text = (
        "FROM alpine:3.23\nRUN apk add --no-cache tini\nCOPY docker-entrypoint.sh /usr/local/bin/boot\nEXPOSE 8080\n"
        'ENTRYPOINT ["/sbin/tini", "--", "/usr/local/bin/boot"]\nCMD ["app"]\n'
    )
    dropping = [("docker-entrypoint.sh", '#!/bin/sh\nexec su-exec app "$@"\n')]
    found = lint(text, tmp_path / "a", dropping, config=DROPS)
    assert "DW008" not in rule_ids(found)
    assert "the entrypoint script docker-entrypoint.sh" in next(f.message for f in found if f.rule == "DW124")
    staying = [("docker-entrypoint.sh", '#!/bin/sh\nexec "$@"\n')]
    assert "DW008" in rule_ids(lint(text, tmp_path / "b", staying))


@pytest.mark.parametrize(
    "text",
    [
        # the tool is there, but the ENTRYPOINT is the server itself: nothing runs it
        'FROM debian:trixie-slim\nRUN apt-get update && apt-get install -y gosu\nEXPOSE 8080\nENTRYPOINT ["app"]\n',
        # an ENTRYPOINT script without a step-down tool in the image
        'FROM debian:trixie-slim\nCOPY entrypoint.sh /\nEXPOSE 8080\nENTRYPOINT ["/entrypoint.sh"]\n',
        # the tool is built in a builder stage and never copied into the final one
        "FROM golang:1.26 AS tools\nRUN go install github.com/tianon/gosu@v1.17 && cp /go/bin/gosu /usr/local/bin/gosu\n"
        'FROM debian:trixie-slim\nCOPY entrypoint.sh /\nEXPOSE 8080\nENTRYPOINT ["/entrypoint.sh"]\n',
    ],
    ids=["no script", "no tool", "tool left in the builder"],
)
def test_root_service_without_a_step_down_stays_dw008(text):
    assert "DW008" in rule_ids(lint(text))
