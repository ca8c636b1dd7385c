"""Terminal tables (rich) for `inspect` facts and `compare`, and the value formatting the other renderers share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockwise.core.errors import printable
from dockwise.image.comparison import hardening_rows, resilience_rows

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from dockwise.core.findings import Finding
    from dockwise.image.comparison import Comparison, Metric, Row
    from dockwise.image.facts import ImageFacts

STATUS_MARK = {"pass": "✔ pass", "partial": "◐ partial", "fail": "✘ fail"}


def human_bytes(value: int | None) -> str:
    """1536 -> '1.5 KiB'; None -> 'n/a'."""
    if value is None:
        return "n/a"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(size) < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def format_value(value: object, unit: str) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if unit == "bytes" and isinstance(value, int):
        return human_bytes(value)
    if unit == "ms" and isinstance(value, (int, float)):
        return f"{value:.0f} ms"
    if unit == "req/s" and isinstance(value, (int, float)):
        return f"{value:.0f}"
    return str(value)


def format_ratio(ratio: float | None) -> str:
    return "" if ratio is None else f"×{ratio:.2f}"


def short_name(reference: str, limit: int = 40) -> str:
    return reference if len(reference) <= limit else "…" + reference[-(limit - 1) :]


def plain(text: str) -> Text:
    """A table cell that shows `text` as it is: no rich markup (`[red]` in a file name stays `[red]`), and names
    from an image with their control characters escaped, on one line."""
    from rich.text import Text

    return Text(printable(text, one_line=True))


def print_facts(facts: ImageFacts, findings: list[Finding], console: Console) -> None:
    """`dockwise inspect` in a terminal: the key facts, the layers, then the findings."""
    from rich.table import Table

    summary = Table(title=plain(f"{facts.reference}  {facts.id[:19]}"), show_header=False, title_justify="left")
    summary.add_column(style="bold")
    summary.add_column()
    rows = [
        ("tags", ", ".join(facts.tags) or "none"),
        ("os", facts.os_release.get("pretty_name") or f"{facts.os}/{facts.architecture}"),
        (
            "size",
            f"{human_bytes(facts.size_bytes)} unpacked, "
            + (
                f"{human_bytes(facts.compressed_bytes)} gzip"
                if facts.compressed_bytes is not None
                else "gzip not measured (--gzip-size)"
            ),
        ),
        ("files", str(facts.file_count)),
        ("user", f"{facts.user.configured or '(none)'} → uid {facts.user.uid}"),
        ("workdir", facts.workdir or "(none)"),
        ("command", " ".join(facts.entrypoint or facts.cmd or ()) + ("" if facts.exec_form else "  (shell form)")),
        ("ports", ", ".join(facts.exposed_ports) or "none"),
        ("shells", ", ".join(facts.shells) or "none"),
        ("package managers", ", ".join(facts.package_managers) or "none"),
        ("python", ", ".join(facts.python_releases) or "none"),
        ("packages", f"{len(facts.debian_packages)} Debian, {len(facts.python_distributions)} Python"),
        ("reclaimable", f"{human_bytes(facts.waste.reclaimable_bytes)} ({facts.waste.reclaimable_ratio:.1%})"),
    ]
    for key, value in rows:
        summary.add_row(key, plain(value))
    console.print(summary)
    layers = Table(title="layers", title_justify="left")
    for column in ("#", "size", "gzip", "files", "created by"):
        layers.add_column(column, justify="right" if column in ("#", "size", "gzip", "files") else "left")
    for layer in facts.layers:
        layers.add_row(
            str(layer.index),
            human_bytes(layer.size_bytes),
            human_bytes(layer.compressed_bytes),
            str(layer.file_count),
            plain(layer.created_by[:90]),
        )
    console.print(layers)
    print_findings(findings, console)


def facts_text(facts: ImageFacts, findings: list[Finding], *, color: bool) -> str:
    """`print_facts` as text, for stdout or a file: ANSI styles only when `color`; as wide as the terminal when
    there is one, else 140 columns."""
    import io
    import shutil

    from rich.console import Console

    width = shutil.get_terminal_size((140, 24)).columns if color else 140
    console = Console(
        record=True, width=width, file=io.StringIO(), force_terminal=color, color_system="standard" if color else None
    )
    print_facts(facts, findings, console)
    return console.export_text(styles=color)


def print_findings(findings: list[Finding], console: Console) -> None:
    from rich.table import Table

    if not findings:
        console.print("[green]no findings[/green]")
        return
    table = Table(title="findings", title_justify="left")
    for column in ("check", "severity", "message", "fix"):
        table.add_column(column)
    styles = {"error": "red", "warning": "yellow", "info": "cyan"}
    for finding in findings:
        label = finding.severity.label()
        table.add_row(plain(finding.rule), f"[{styles[label]}]{label}[/]", plain(finding.message), plain(finding.fix))
    console.print(table)


def print_comparison(comparison: Comparison, console: Console) -> None:
    """`dockwise compare` in a terminal: metrics side by side with ratios to the first image, then the verdicts."""
    from rich.table import Table

    names = [plain(short_name(image.name, 32)) for image in comparison.images]
    metrics = Table(title="metrics (ratio vs the first image)", title_justify="left")
    metrics.add_column("metric", style="bold")
    for name in names:
        metrics.add_column(name, justify="right")
    for metric in comparison.metrics():
        metrics.add_row(metric.label, *map(plain, _cells(metric)))
    console.print(metrics)
    verdicts = Table(title="seed practices", title_justify="left")
    verdicts.add_column("practice", style="bold")
    for name in names:
        verdicts.add_column(name)
    styles = {"pass": "green", "partial": "yellow", "fail": "red"}
    for row, verdict in enumerate(comparison.images[0].verdicts):
        cells = []
        for image in comparison.images:
            status = image.verdicts[row].status
            cells.append(f"[{styles[status]}]{STATUS_MARK[status]}[/]")
        verdicts.add_row(verdict.title, *cells)
    console.print(verdicts)
    _print_rows(console, "hardening (proven inside each running container)", names, hardening_rows(comparison.images))
    _print_rows(console, "resilience", names, resilience_rows(comparison.images))
    for image in comparison.images:
        if image.runtime is None:
            console.print(plain(f"{image.name}: {image.runtime_note}"), style="dim")


def _print_rows(console: Console, title: str, names: list[Text], rows: tuple[Row, ...]) -> None:
    from rich.table import Table

    if not rows or all(cell.status == "n/a" for row in rows[1:] for cell in row.cells):
        return
    table = Table(title=title, title_justify="left")
    table.add_column("", style="bold")
    for name in names:
        table.add_column(name)
    styles = {"pass": "green", "fail": "red", "n/a": "dim", "info": ""}
    marks = {"pass": "✔ ", "fail": "✘ ", "n/a": "", "info": ""}
    for row in rows:
        cells = []
        for cell in row.cells:
            shown = plain(marks[cell.status] + cell.text)
            shown.stylize(styles[cell.status])
            cells.append(shown)
        table.add_row(row.label, *cells)
    console.print(table)


def _cells(metric: Metric) -> list[str]:
    cells = []
    for index, (value, ratio) in enumerate(zip(metric.values, metric.ratios())):
        text = format_value(value, metric.unit)
        if index and ratio is not None:
            text += f" ({format_ratio(ratio)})"
        cells.append(text)
    return cells
