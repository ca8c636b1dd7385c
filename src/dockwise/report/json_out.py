"""Findings as JSON: a list of objects with the stable keys of `Finding.as_dict()`."""

from __future__ import annotations

import json
from collections.abc import Sequence

from dockwise.core.findings import Finding


def render(findings: Sequence[Finding]) -> str:
    """`[{"rule", "severity", "file", "line", "column", "message", "fix", "refs"}, ...]`, indented, newline-terminated."""
    return json.dumps([f.as_dict() for f in findings], indent=2) + "\n"
