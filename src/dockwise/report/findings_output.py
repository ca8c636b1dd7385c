"""The one output path for findings, shared by `lint` and `inspect`: format dispatch, where the text goes, colour,
and the exit code that `--failure-threshold` gives.

Each command brings only what is its own: its text rendering (lint shows source lines, inspect the image's facts)
and its JSON document; SARIF, GitHub annotations and JUnit are the same for both.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dockwise.core.errors import EXIT_FINDINGS, EXIT_OK
from dockwise.core.findings import Finding, Severity
from dockwise.core.rules import Rule

FORMATS = ("text", "json", "sarif", "github", "junit")
FORMAT_HELP = (
    "text: for a terminal; json: stable keys; sarif: SARIF 2.1.0 for code scanning; github: Actions annotations; "
    "junit: JUnit XML."
)


@dataclass(frozen=True)
class FindingsReport:
    """What a command found, and how it renders its own text and JSON."""

    findings: Sequence[Finding]
    checked: Sequence[str]  # every file or image checked: JUnit lists the clean ones as passing cases
    rules: Sequence[Rule]  # SARIF's rule metadata
    text: Callable[[bool], str]  # colour on/off -> the command's text format
    document: Callable[[], str]  # the command's JSON format


def render(report: FindingsReport, fmt: str, *, color: bool = False) -> str:
    if fmt == "text":
        return report.text(color)
    if fmt == "json":
        return report.document()
    if fmt == "sarif":
        from dockwise.report.sarif import render as render_sarif

        return render_sarif(report.findings, {rule.id: rule.title for rule in report.rules})
    if fmt == "github":
        from dockwise.report.github import render as render_github

        return render_github(report.findings)
    if fmt == "junit":
        from dockwise.report.junit import render as render_junit

        return render_junit(report.findings, list(report.checked))
    raise ValueError(f"not a findings format: {fmt!r}")


def use_color(choice: bool | None, output: Path | None) -> bool:
    """`--color/--no-color` if given; otherwise colour only on a terminal, never into a file, never with NO_COLOR."""
    if choice is not None:
        return choice and output is None
    return output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def emit(report: FindingsReport, fmt: str, *, output: Path | None, color: bool | None) -> None:
    """Render `report` and print it, or write `output` whole (never half a file)."""
    from dockwise.report.write import write_output

    colored = use_color(color, output)
    write_output(render(report, fmt, color=colored), output, color=colored)


def exit_code(findings: Sequence[Finding], threshold: Severity) -> int:
    """1 when a finding is at or above `threshold`, else 0."""
    return EXIT_FINDINGS if any(f.severity >= threshold for f in findings) else EXIT_OK
