"""The CLI section: inspect, compare, sbom — formats, exit codes, atomic output files."""

from __future__ import annotations

import json

from click.testing import CliRunner

from dockwise.cli import main
from tests.image import samples


def test_inspect_json_and_failure_threshold(tmp_path):
    archive = samples.distroless(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["inspect", archive, "--format", "json", "--failure-threshold", "info"])
    assert result.exit_code == 1  # DI002 is info
    document = json.loads(result.output)
    assert document["image"]["user"]["uid"] == 65532
    assert [f["rule"] for f in document["findings"]] == ["DI002"]
    assert runner.invoke(main, ["inspect", archive, "--format", "json"]).exit_code == 0  # default threshold: warning
    ignored = runner.invoke(
        main, ["inspect", archive, "--ignore", "DI002", "--format", "json", "--failure-threshold", "info"]
    )
    assert ignored.exit_code == 0


def test_inspect_text_lists_layers_and_findings(tmp_path):
    result = CliRunner().invoke(main, ["inspect", samples.standard(tmp_path)])
    assert result.exit_code == 1  # DI006 (error): a .env file
    assert "RUN chmod +x web_app.py" in result.output and "DI006" in result.output


def test_inspect_of_a_missing_archive_is_one_line_and_exit_2(tmp_path):
    result = CliRunner().invoke(main, ["inspect", str(tmp_path / "nope.tar")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("error: ") and "Traceback" not in result.output


def test_compare_writes_each_format(tmp_path):
    images = [samples.standard(tmp_path), samples.distroless(tmp_path)]
    runner = CliRunner()
    for fmt, marker in (
        ("html", "<!DOCTYPE html>"),
        ("markdown", "| metric |"),
        ("json", '"metrics"'),
        ("table", "metrics"),
    ):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(main, ["compare", "--no-runtime", "--format", fmt, "-o", str(out), *images])
        assert result.exit_code == 0, result.output
        assert marker in out.read_text()
        assert (out.stat().st_mode & 0o777) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".report")) == []


def test_sbom_command(tmp_path):
    out = tmp_path / "sbom.json"
    result = CliRunner().invoke(main, ["sbom", samples.standard(tmp_path), "-o", str(out)])
    assert result.exit_code == 0
    assert json.loads(out.read_text())["bomFormat"] == "CycloneDX"
    spdx = CliRunner().invoke(main, ["sbom", samples.standard(tmp_path), "--format", "spdx-json"])
    assert spdx.exit_code == 0 and json.loads(spdx.output)["spdxVersion"] == "SPDX-2.3"
    wrong = CliRunner().invoke(main, ["sbom", samples.standard(tmp_path), "--format", "spdx"])
    assert wrong.exit_code == 2 and "spdx-json" in wrong.output


def test_inspect_findings_formats_shared_with_lint(tmp_path):
    archive = samples.standard(tmp_path)
    runner = CliRunner()
    sarif = json.loads(runner.invoke(main, ["inspect", archive, "--format", "sarif"]).output)
    rules = {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {"DI001", "DI006", "DI011"} <= rules
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= {"DI001", "DI006"}
    github = runner.invoke(main, ["inspect", archive, "--format", "github"]).output
    assert "::error" in github and "DI006" in github
    junit = runner.invoke(main, ["inspect", archive, "--format", "junit"]).output
    assert junit.startswith("<?xml") and "DI006" in junit


def test_output_into_a_missing_directory_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["sbom", samples.standard(tmp_path), "-o", str(tmp_path / "no" / "sbom.json")])
    assert result.exit_code == 2 and "cannot write" in result.output
