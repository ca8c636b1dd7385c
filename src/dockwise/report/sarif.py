"""Findings as SARIF 2.1.0 (checked against the OASIS schema in tests), for GitHub code scanning and IDEs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version

from dockwise.core.findings import Finding, Severity

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(findings: Sequence[Finding], descriptions: Mapping[str, str] | None = None) -> str:
    """One run of the `dockwise` tool; `descriptions` maps a rule id to its one-line description.

    A finding without a line (an image finding) gets a location without a region.
    """
    descriptions = descriptions or {}
    rule_ids = sorted({f.rule for f in findings} | set(descriptions))
    index = {rule: i for i, rule in enumerate(rule_ids)}
    rules = []
    for rule in rule_ids:
        example = next((f for f in findings if f.rule == rule), None)
        entry: dict[str, object] = {
            "id": rule,
            "shortDescription": {"text": descriptions.get(rule) or (example.message if example else rule)},
        }
        if example is not None:
            entry["help"] = {"text": example.fix}
            entry["properties"] = {"refs": dict(example.refs)}
        rules.append(entry)
    results = []
    for f in findings:
        location: dict[str, object] = {"artifactLocation": {"uri": f.file}}
        if f.line:
            region: dict[str, int] = {"startLine": f.line}
            if f.column:
                region["startColumn"] = f.column
            location["region"] = region
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": _LEVEL[f.severity],
                "message": {"text": f"{f.message}. Fix: {f.fix}"},
                "locations": [{"physicalLocation": location}],
            }
        )
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dockwise",
                        "version": _version(),
                        "informationUri": "https://pypi.org/project/dockwise/",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _version() -> str:
    try:
        return version("dockwise")
    except PackageNotFoundError:
        return "0"
