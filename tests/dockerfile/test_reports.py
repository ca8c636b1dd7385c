"""Output formats: SARIF validated against the official 2.1.0 schema, JSON keys, GitHub annotations, JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from dockwise.core.findings import Finding, Severity
from dockwise.report import github, json_out, junit, sarif, text
from tests.dockerfile.helpers import lint

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())
BAD = "FROM python:3.13\nRUN pip install flask\nCMD python app.py\n"


@pytest.fixture
def findings():
    found = lint(BAD)
    assert len(found) >= 5
    return found


IMAGE_FINDING = Finding(
    "DI001", Severity.ERROR, "example/app:1.0", None, None, "runs as root", "set USER", {"cis": "4.1"}
)


def test_sarif_is_valid_against_the_schema(findings):
    log = json.loads(sarif.render(findings + [IMAGE_FINDING], {"DW001": "minimal base"}))
    jsonschema.validate(log, SCHEMA, cls=jsonschema.Draft202012Validator)
    results = log["runs"][0]["results"]
    assert len(results) == len(findings) + 1
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == findings[0].line
    assert "region" not in results[-1]["locations"][0]["physicalLocation"]
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)


def test_sarif_schema_rejects_a_broken_log(findings):
    log = json.loads(sarif.render(findings))
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(log, SCHEMA, cls=jsonschema.Draft202012Validator)


def test_json_has_stable_keys(findings):
    data = json.loads(json_out.render(findings))
    assert [list(d) for d in data] == [["rule", "severity", "file", "line", "column", "message", "fix", "refs"]] * len(
        findings
    )
    assert {d["severity"] for d in data} <= {"info", "warning", "error"}


def test_github_annotations_escape_and_map_levels(findings):
    odd = Finding("DW999", Severity.INFO, "dir,with:odd%name", 3, 2, "50% done\nnext", "fix it", {})
    out = github.render(findings + [odd]).splitlines()
    assert len(out) == len(findings) + 1
    assert out[-1].startswith("::notice file=dir%2Cwith%3Aodd%25name,line=3,col=2,title=DW999::")
    assert "50%25 done\\x0anext" in out[-1]  # a finding's message is one line already (Finding escapes it)
    assert all(line.startswith(("::warning ", "::error ", "::notice ")) for line in out)


def test_junit_is_xml_with_one_failure_per_finding(findings):
    root = ET.fromstring(junit.render(findings, ["Dockerfile", "clean/Dockerfile"]))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root}
    assert int(suites["Dockerfile"].get("failures")) == len(findings)
    assert len(suites["Dockerfile"].findall("testcase/failure")) == len(findings)
    assert suites["clean/Dockerfile"].get("failures") == "0"


def test_text_shows_location_excerpt_fix_and_summary(findings):
    out = text.render(findings, {"Dockerfile": BAD})
    assert "Dockerfile:2:1: warning DW005" in out
    assert "   2 | RUN pip install flask" in out
    assert "fix: " in out and "[hadolint DL3042]" in out
    assert out.rstrip().splitlines()[-1].endswith("info")
    coloured = text.render(findings, {"Dockerfile": BAD}, color=True)
    assert "\x1b[" in coloured and "\x1b[" not in out
    assert text.render([IMAGE_FINDING]).startswith("example/app:1.0: error DI001 runs as root")
