"""The pull-request comment (Markdown) and the terminal table read the same comparison."""

from __future__ import annotations

import dataclasses
import io

from rich.console import Console

from dockwise.core.findings import Finding, Severity
from dockwise.report.markdown import render_markdown
from dockwise.report.table import human_bytes, print_comparison


def test_markdown_has_metrics_ratios_and_verdicts(comparison):
    text = render_markdown(comparison)
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("| metric |"))
    assert "demo/web:standard" in header and "demo/web:distroless" in header
    size_row = next(line for line in lines if line.startswith("| Size (unpacked layers) |"))
    assert "(×0." in size_row  # the distroless image is smaller than the first one
    assert "| Runs as a non-root user | ✘ fail: uid 0" in text and "✔ pass: uid 65532" in text
    assert "<details><summary>" in text and "**DI006** error" in text


def test_markdown_escapes_text_that_comes_from_the_image(comparison):
    first = comparison.images[0]
    hostile = Finding(
        "DI999", Severity.INFO, first.facts.reference, None, None, "<script>alert(1)</script> | a|b", "fix", {}
    )
    forged = dataclasses.replace(first, findings=(*first.findings, hostile))
    text = render_markdown(dataclasses.replace(comparison, images=(forged, *comparison.images[1:])))
    assert "<script>" not in text and "&lt;script>alert(1)&lt;/script> \\| a\\|b" in text


def test_table_prints_both_images(comparison):
    buffer = io.StringIO()
    print_comparison(comparison, Console(file=buffer, width=200))
    output = buffer.getvalue()
    assert "Seed practices passed" in output and "✔ pass" in output and "✘ fail" in output
    assert output.count("runtime probes skipped") == 2


def test_human_bytes():
    assert [human_bytes(v) for v in (None, 0, 1023, 1536, 5 << 20)] == ["n/a", "0 B", "1023 B", "1.5 KiB", "5.0 MiB"]
