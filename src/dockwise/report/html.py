"""`dockwise compare --format html` and the demo's report: one self-contained page (inline CSS and SVG, no script,
no network). Every value reaches the page through the template, whose autoescaping is the one place text becomes
HTML: no caller hands in pre-rendered markup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dockwise.core.errors import printable
from dockwise.report.table import (
    STATUS_MARK,
    format_ratio,
    format_value,
    human_bytes,
    short_name,
)

if TYPE_CHECKING:
    from dockwise.image.comparison import Comparison
    from dockwise.slim.report import SlimReport

BAR_WIDTH = 520
ROW_HEIGHT = 22


@dataclass(frozen=True)
class _Bar:
    y: int
    width: float
    label: str
    size: str
    title: str


def render_html(comparison: Comparison, slim: SlimReport | None = None) -> str:
    """The report page as a string; write it wherever you like (it references nothing outside itself). With `slim`
    (the demo's), a section on the slim image follows the tables: size by directory, probes side by side."""
    from jinja2 import Environment, PackageLoader, select_autoescape
    from markupsafe import Markup

    # Every value goes through printable() before HTML escaping: names from an image may hold control characters or
    # bytes that are not UTF-8, neither of which belongs in an HTML page. printable() only adds backslash escapes, so
    # markup the template already escaped (a `join`) stays markup: turning it back into text would escape it twice.
    def finalize(value):
        if isinstance(value, Markup):
            return Markup(printable(value))
        return printable(value) if isinstance(value, str) else value

    env = Environment(
        loader=PackageLoader("dockwise.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        finalize=finalize,
    )
    template = env.get_template("compare.html.j2")
    return template.render(
        generated=comparison.generated,
        names=[short_name(image.name) for image in comparison.images],
        images=[_image_view(image, comparison) for image in comparison.images],
        metrics=[_metric_view(metric) for metric in comparison.metrics()],
        practices=_practice_rows(comparison),
        sections=_sections(comparison),
        slim=_slim_view(slim) if slim is not None else None,
        totals=_total_bars(comparison),
        bar_width=BAR_WIDTH,
        row_height=ROW_HEIGHT,
    )


def _sections(comparison: Comparison) -> list[dict]:
    """The hardening and resilience tables, when anything in them was measured."""
    from dockwise.image.comparison import hardening_rows, resilience_rows

    sections = []
    for title, rows in (
        ("Hardening (proven inside each running container)", hardening_rows(comparison.images)),
        ("Resilience", resilience_rows(comparison.images)),
    ):
        if any(cell.status != "n/a" for row in rows[1:] for cell in row.cells):
            sections.append({"title": title, "rows": rows})
    return sections


def _largest_layer(comparison: Comparison) -> int:
    return max((layer.size_bytes for image in comparison.images for layer in image.facts.layers), default=0) or 1


def _image_view(image, comparison: Comparison) -> dict:
    largest = _largest_layer(comparison)
    bars = [
        _Bar(
            y=index * ROW_HEIGHT,
            width=max(1.0, layer.size_bytes / largest * BAR_WIDTH),
            label=f"#{layer.index} {layer.created_by[:70] or 'layer'}",
            size=human_bytes(layer.size_bytes),
            title=f"{layer.created_by} — {layer.file_count} files, {human_bytes(layer.compressed_bytes)} gzip",
        )
        for index, layer in enumerate(image.facts.layers)
    ]
    return {
        "reference": image.name,
        "source": image.facts.source,
        "id": image.facts.id,
        "tags": ", ".join(image.facts.tags) or "none",
        "bars": bars,
        "height": max(ROW_HEIGHT, len(bars) * ROW_HEIGHT),
        "findings": image.findings,
        "runtime_note": image.runtime_note,
        "waste": image.facts.waste,
        "waste_size": human_bytes(image.facts.waste.reclaimable_bytes),
    }


def _total_bars(comparison: Comparison) -> dict:
    largest = max((image.facts.size_bytes for image in comparison.images), default=0) or 1
    rows = []
    for index, image in enumerate(comparison.images):
        facts = image.facts
        rows.append(
            {
                "y": index * ROW_HEIGHT * 2,
                "name": short_name(image.name, 30),
                "unpacked": facts.size_bytes / largest * BAR_WIDTH,
                "gzip": (facts.compressed_bytes or 0) / largest * BAR_WIDTH,
                "label": f"{human_bytes(facts.size_bytes)} / {human_bytes(facts.compressed_bytes)} gzip",
            }
        )
    return {"rows": rows, "height": max(1, len(rows)) * ROW_HEIGHT * 2}


def _metric_view(metric) -> dict:
    cells = []
    for index, (value, ratio) in enumerate(zip(metric.values, metric.ratios())):
        cells.append(
            {
                "value": format_value(value, metric.unit),
                "ratio": format_ratio(ratio) if index else "",
                "better": _better(metric, ratio) if index else "",
            }
        )
    return {"label": metric.label, "cells": cells}


def _better(metric, ratio: float | None) -> str:
    if ratio is None or metric.lower_is_better is None or ratio == 1:
        return ""
    return "better" if (ratio < 1) == metric.lower_is_better else "worse"


def _practice_rows(comparison: Comparison) -> list[dict]:
    rows = []
    for row, verdict in enumerate(comparison.images[0].verdicts):
        cells = [
            {
                "status": image.verdicts[row].status,
                "mark": STATUS_MARK[image.verdicts[row].status],
                "evidence": image.verdicts[row].evidence,
            }
            for image in comparison.images
        ]
        rows.append({"title": verdict.title, "cells": cells})
    return rows


SLIM_BAR_WIDTH = 220


def _slim_view(report: SlimReport) -> dict:
    """The slim section's figures: what was kept and why, size by directory before and after, the probes."""
    data = report.data
    peak = max([row["before"] for row in data["size_by_directory"]] + [1])

    def bar(value: int) -> int:
        return max(1, round(SLIM_BAR_WIDTH * value / peak)) if value else 0

    return {
        "source": data["source"]["reference"],
        "source_size": human_bytes(data["source"]["size_bytes"]),
        "source_files": data["source"]["files"],
        "tag": data["slim"]["tag"],
        "size": human_bytes(data["slim"]["size_bytes"]),
        "files": data["slim"]["files"],
        "ratio": format_ratio(data["ratio"]),
        "reasons": ", ".join(f"{kind} {count}" for kind, count in data["kept_by_reason"].items()),
        "directories": [
            {
                "directory": row["directory"],
                "before": human_bytes(row["before"]),
                "before_width": bar(row["before"]),
                "after": human_bytes(row["after"]),
                "after_width": bar(row["after"]),
            }
            for row in data["size_by_directory"]
        ],
        "probes": [
            {
                "name": probe["name"],
                "original": _answer_text(probe["original"]),
                "slim": _answer_text(probe["slim"]),
                "verdict": "identical" if probe["identical"] else probe["difference"] or "differs",
            }
            for probe in data["probes"]
        ],
    }


def _answer_text(answer: dict | None) -> str:
    return f"{answer['status']} · {answer['bytes']} B" if answer else "-"
