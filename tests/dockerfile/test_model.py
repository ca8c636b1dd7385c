"""Stages, target, ARG/ENV scope and expansion as BuildKit does them; final-image rules ignore builder stages."""

from __future__ import annotations

import pytest

from dockwise.dockerfile.model import build_model
from dockwise.dockerfile.parse import parse
from tests.dockerfile.helpers import lint, rule_ids


def model(text: str, **kwargs):
    return build_model(parse(text), **kwargs)


def test_from_expands_global_args_with_defaults_and_build_args():
    text = "ARG REG\nARG TAG=3.13-slim\nFROM ${REG:+$REG/}python:${TAG}\nFROM ${MISSING:-debian}:12\n"
    assert [s.base for s in model(text).stages] == ["python:3.13-slim", "debian:12"]
    overridden = model(text, build_args={"REG": "local:5000", "TAG": "3.12"})
    assert overridden.stages[0].base == "local:5000/python:3.12"


def test_global_args_need_redeclaring_inside_a_stage():
    build = model("ARG V=1\nFROM a\nRUN echo $V\nARG V\nRUN echo $V\nARG W=x${V}\nENV E=${W}-e\nRUN true\n")
    steps = build.stages[0].steps
    assert "V" not in steps[0].variables
    assert steps[2].variables["V"] == "1"
    assert steps[5].variables["E"] == "x1-e" and steps[5].env == {"E": "x1-e"}


def test_env_on_one_line_sees_the_scope_before_it():
    build = model("FROM a\nENV A=1\nENV A=2 B=$A\nRUN true\n")
    assert build.stages[0].steps[-1].variables["B"] == "1"


def test_target_defaults_to_last_and_can_be_named():
    text = "FROM a AS build\nUSER root\nFROM build AS test\nENV T=1\nFROM a AS final\nUSER 1000\n"
    assert model(text).target.name == "final"
    test = model(text, target="TEST")
    assert test.target.name == "test"
    assert [s.name for s in test.target_lineage] == ["build", "test"]
    assert test.external_base(test.target) == "a"
    with pytest.raises(KeyError):
        model(text, target="nope")


def test_stage_inherits_env_workdir_and_user_from_its_parent_stage():
    build = model("FROM a AS base\nENV X=1\nWORKDIR /app\nWORKDIR sub\nUSER 10001\nFROM base\nRUN true\n")
    child = build.stages[1]
    assert (child.env["X"], child.workdir, child.user) == ("1", "/app/sub", "10001")
    assert child.steps[0].workdir == "/app/sub"


def test_builder_stages_do_not_trigger_final_image_rules():
    text = (
        "FROM python:3.13 AS build\nUSER root\nRUN pip install flask==3.1.0\nCMD python build.py\n"
        "FROM python:3.13-slim\nENV PYTHONUNBUFFERED=1\nCOPY --from=build /usr/local /usr/local\n"
        'USER 10001\nHEALTHCHECK CMD ["python", "-c", "1"]\nCMD ["python", "-m", "http.server"]\nEXPOSE 8000\n'
    )
    found = rule_ids(lint(text))
    assert not found & {"DW001", "DW005", "DW007", "DW008"}, found
    # ...but building the builder as the target does.
    assert {"DW001", "DW005", "DW007", "DW008"} <= rule_ids(lint(text, target="build"))


def test_base_via_arg_is_judged_by_its_value():
    slim = 'ARG BASE=python:3.13-slim\nFROM ${BASE}\nUSER 1\nCMD ["python"]\n'
    assert "DW001" not in rule_ids(lint(slim))
    assert "DW001" in rule_ids(lint(slim, build_args={"BASE": "python:3.13"}))
    distroless = 'ARG RUNTIME=gcr.io/distroless/python3-debian13:nonroot\nFROM ${RUNTIME}\nCMD ["app.py"]\n'
    assert not rule_ids(lint(distroless)) & {"DW001", "DW008"}


def test_unresolved_base_is_not_guessed():
    found = rule_ids(lint('FROM ${IMAGE}\nUSER 1\nCMD ["x"]\n'))
    assert "DW121" in found and "DW001" not in found


def test_bases_that_already_run_unprivileged():
    for base, flagged in [
        ("cgr.dev/chainguard/python:latest", False),
        ("cgr.dev/chainguard/python:latest-dev", True),
        ("gcr.io/distroless/static-debian12:nonroot", False),
        ("gcr.io/distroless/static-debian12", True),
    ]:
        assert ("DW008" in rule_ids(lint(f'FROM {base}\nEXPOSE 8000\nCMD ["x"]\n'))) is flagged, base
