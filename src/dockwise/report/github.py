"""Findings as GitHub Actions workflow commands (`::error file=...,line=...::message`), one per line."""

from __future__ import annotations

from collections.abc import Sequence

from dockwise.core.findings import Finding, Severity

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(findings: Sequence[Finding]) -> str:
    """One annotation per finding; `line`/`col` are omitted when unknown (image findings)."""
    out = []
    for f in findings:
        props = [f"file={_property(f.file)}"]
        if f.line:
            props.append(f"line={f.line}")
            if f.column:
                props.append(f"col={f.column}")
        props.append(f"title={_property(f.rule)}")
        out.append(f"::{_LEVEL[f.severity]} {','.join(props)}::{_data(f'{f.rule} {f.message} (fix: {f.fix})')}")
    return "\n".join(out) + ("\n" if out else "")
