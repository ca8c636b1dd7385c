"""The GitHub Action (action.yml), checked against SchemaStore's schema and run here step by step: lint on the
reference service's Dockerfiles and inspect on an image, SARIF that validates, findings failing the job only after
every report is written; and the image-side pre-commit hook."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.ci.action_runner import run_action
from tests.image.archives import F, layer, oci_layout

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
SCHEMA = Path(__file__).with_name("github-action.schema.json")
SARIF_SCHEMA = ROOT / "tests" / "dockerfile" / "sarif-schema-2.1.0.json"
WEBAPP = ROOT / "examples" / "webapp"


def test_action_yml_is_valid_action_metadata():
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    action = yaml.safe_load(ACTION.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(action), key=str)
    assert not errors, [e.message for e in errors]
    assert action["runs"]["using"] == "composite"


def test_schema_rejects_what_github_rejects():
    """The vendored schema is the real one: a run step without its shell is not a composite step."""
    schema = json.loads(SCHEMA.read_text())
    action = yaml.safe_load(ACTION.read_text())
    del action["runs"]["steps"][1]["shell"]
    assert list(jsonschema.Draft7Validator(schema).iter_errors(action))


@pytest.fixture
def shim(tmp_path) -> dict[str, str]:
    """The environment of a runner where `dockwise` is this checkout's (what the install step provides on GitHub)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dockwise").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m dockwise.cli "$@"\n')
    (bin_dir / "dockwise").chmod(0o755)
    env = {key: value for key, value in os.environ.items() if not key.startswith("GITHUB_")}
    return {**env, "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"}


def _root_image(tmp_path: Path) -> Path:
    """An OCI layout whose image runs as root with no port: inspect reports it (DI001 at least)."""
    return oci_layout([layer(F("app/run.py", b"print('hi')\n"))]).write_dir(tmp_path / "image")


def _sarif(path: Path) -> dict:
    log = json.loads(path.read_text())
    jsonschema.Draft202012Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    return log


def test_the_steps_lint_and_inspect_and_fail_on_findings_last(tmp_path, shim):
    image = _root_image(tmp_path)
    job = run_action(
        ACTION,
        {
            "install": "false",
            "dockerfiles": f"{WEBAPP}/Dockerfile {WEBAPP}/Dockerfile.distroless",
            "image": str(image),
            "sarif-dir": str(tmp_path / "sarif"),
        },
        workdir=tmp_path,
        env=shim,
    )
    assert job.steps_skipped == ["Install dockwise", "Upload SARIF to code scanning"]
    assert job.steps_run == ["dockwise lint", "dockwise inspect", "Fail on findings"]
    assert job.failed == "Fail on findings", job.logs
    assert job.outputs["lint"] == {"sarif": str(tmp_path / "sarif" / "lint.sarif"), "exit-code": "0"}
    assert job.outputs["inspect"]["exit-code"] == "1"
    lint = _sarif(tmp_path / "sarif" / "lint.sarif")
    assert lint["runs"][0]["results"] == []  # the reference service's Dockerfiles lint clean
    inspect = _sarif(tmp_path / "sarif" / "inspect.sarif")
    assert "DI001" in {result["ruleId"] for result in inspect["runs"][0]["results"]}


def test_report_only_keeps_the_job_green_and_says_where_the_reports_are(tmp_path, shim):
    (tmp_path / "Dockerfile").write_text("FROM python:3.13\nRUN pip install flask\nCMD python app.py\n")
    job = run_action(
        ACTION, {"install": "false", "fail-on-findings": "false", "sarif-dir": "out"}, workdir=tmp_path, env=shim
    )
    assert job.failed is None and job.steps_run == ["dockwise lint"], job.logs
    assert job.action_outputs == {
        "lint-sarif": "out/lint.sarif",
        "inspect-sarif": "",
        "lint-exit-code": "1",
        "inspect-exit-code": "",
    }
    assert {"DW001", "DW005", "DW007"} <= {
        r["ruleId"] for r in _sarif(tmp_path / "out" / "lint.sarif")["runs"][0]["results"]
    }


def test_bad_input_fails_its_own_step(tmp_path, shim):
    job = run_action(
        ACTION,
        {"install": "false", "dockerfiles": "", "image": str(tmp_path / "missing.tar")},
        workdir=tmp_path,
        env=shim,
    )
    assert job.failed == "dockwise inspect" and job.outputs["inspect"]["exit-code"] == "2", job.logs


def test_upload_uses_code_scanning_s_action(tmp_path, shim):
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY a /a\n")
    (tmp_path / "a").write_text("a")
    job = run_action(
        ACTION, {"install": "false", "upload-sarif": "true", "fail-on-findings": "false"}, workdir=tmp_path, env=shim
    )
    assert job.uses == ["github/codeql-action/upload-sarif@v3"] and job.failed is None


@pytest.mark.network
@pytest.mark.slow
def test_the_install_step_installs_this_checkout(tmp_path):
    """The whole action, install included: a venv from this checkout (dependencies from PyPI), then lint."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("GITHUB_", "PYTHONPATH", "VIRTUAL_ENV"))
    }
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY a /a\n")
    (tmp_path / "a").write_text("a")
    job = run_action(ACTION, {}, workdir=tmp_path, env=env)
    assert job.failed is None and job.steps_run[0] == "Install dockwise", job.logs
    assert (tmp_path / "runner-temp" / "dockwise-venv" / "bin" / "dockwise").is_file()


def test_the_image_side_pre_commit_hook_is_an_opt_in(tmp_path):
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["dockwise-inspect"]
    assert hook["stages"] == ["manual"] and hook["pass_filenames"] is False and hook["language"] == "python"
    assert hook["entry"].split() == ["dockwise", "inspect"] and "dockwise-lint" in hooks
    # what pre-commit runs: the entry, then the args a project's config gives (the image)
    import subprocess

    image = _root_image(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "dockwise.cli", *hook["entry"].split()[1:], str(image)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "DI001" in result.stdout
