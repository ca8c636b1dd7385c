"""The formats CI systems consume (SARIF, GitHub annotations, JUnit), the same for `lint` and `inspect`."""

from __future__ import annotations

from typing import Mapping, Sequence

from dockwise.core.findings import Finding

CI_FORMATS = ("sarif", "github", "junit")


def render_ci_format(fmt: str, findings: list[Finding], *, summaries: Mapping[str, str], files: Sequence[str]) -> str:
    """Render `findings` as `fmt`; `summaries` maps rule ids to one-line descriptions (SARIF's rule metadata),
    `files` names what was checked (JUnit's test cases, including the clean ones)."""
    if fmt == "sarif":
        from dockwise.report.sarif import render

        return render(findings, dict(summaries))
    if fmt == "github":
        from dockwise.report.github import render

        return render(findings)
    if fmt == "junit":
        from dockwise.report.junit import render

        return render(findings, list(files))
    raise ValueError(f"not a CI format: {fmt!r}")
