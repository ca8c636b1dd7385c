"""Findings for a terminal: `file:line:col severity RULE message`, the source line, the fix and references."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import click

from dockwise.core.errors import printable
from dockwise.core.findings import Finding, Severity

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render(findings: Sequence[Finding], sources: Mapping[str, str] | None = None, color: bool = False) -> str:
    """One block per finding; `sources` maps a file name to its text, to show the offending line beneath.

    Image findings (no line) print as `image: severity RULE message`. Ends with a one-line summary.
    """
    # Split where BuildKit does (on \n only), so line numbers agree; names are keyed as findings print them.
    lines_of = {printable(name, one_line=True): text.split("\n") for name, text in (sources or {}).items()}
    out = []
    for f in findings:
        where = f.file + (f":{f.line}" if f.line else "") + (f":{f.column}" if f.line and f.column else "")
        label = click.style(f.severity.label(), fg=_COLOURS[f.severity], bold=True) if color else f.severity.label()
        rule = click.style(f.rule, bold=True) if color else f.rule
        out.append(f"{where}: {label} {rule} {f.message}")
        source = lines_of.get(f.file, [])
        if f.line and 0 < f.line <= len(source):
            excerpt = printable(source[f.line - 1].rstrip()[:160], one_line=True)
            out.append(f"    {f.line:>4} | {excerpt}")
        refs = ", ".join(f"{k} {v}" for k, v in sorted(f.refs.items()))
        out.append(f"         fix: {f.fix}" + (f"  [{refs}]" if refs else ""))
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    summary = ", ".join(f"{n} {s.label()}" for s, n in sorted(counts.items(), reverse=True) if n) or "no findings"
    out.append(summary)
    return "\n".join(out) + "\n"
