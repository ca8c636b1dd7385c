"""`dockwise compare --format markdown`: a pull-request comment (GitHub-flavoured tables)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockwise.core.errors import printable
from dockwise.report.table import STATUS_MARK, format_ratio, format_value, short_name

if TYPE_CHECKING:
    from dockwise.image.comparison import Comparison


def render_markdown(comparison: Comparison) -> str:
    names = [short_name(image.name) for image in comparison.images]
    lines = [
        "### dockwise compare",
        "",
        "| metric | " + " | ".join(_cell(n) for n in names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for metric in comparison.metrics():
        cells = []
        for index, (value, ratio) in enumerate(zip(metric.values, metric.ratios())):
            text = format_value(value, metric.unit)
            cells.append(text + (f" ({format_ratio(ratio)})" if index and ratio is not None else ""))
        lines.append(f"| {metric.label} | " + " | ".join(_cell(c) for c in cells) + " |")
    lines += ["", "| seed practice | " + " | ".join(_cell(n) for n in names) + " |", "|---|" + "---|" * len(names)]
    for row, verdict in enumerate(comparison.images[0].verdicts):
        cells = [
            f"{STATUS_MARK[image.verdicts[row].status]}: {image.verdicts[row].evidence}" for image in comparison.images
        ]
        lines.append(f"| {verdict.title} | " + " | ".join(_cell(c) for c in cells) + " |")
    for image in comparison.images:
        if image.findings:
            lines += ["", f"<details><summary>{_cell(image.name)}: {len(image.findings)} finding(s)</summary>", ""]
            lines += [f"- **{f.rule}** {f.severity.label()}: {_cell(f.message)}" for f in image.findings]
            lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return printable(str(text), one_line=True).replace("|", "\\|").replace("<", "&lt;")
