"""The self-contained HTML report, opened in headless Chromium: screenshot taken, no console errors, no network."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from dockwise.report.html import render_html

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
    "--window-size=1280,2400",
]


def open_in_chromium(chromium: str, page: Path, shot: Path, profile: Path) -> list[str]:
    """Screenshot `page`; return the console messages Chromium logged while loading it."""
    result = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.browser
def test_report_renders_in_chromium_without_console_errors(comparison, chromium, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render_html(comparison), encoding="utf-8")
    shot = tmp_path / "report.png"
    console = open_in_chromium(chromium, page, shot, tmp_path / "profile")
    assert console == []
    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.browser
def test_the_console_check_can_fail(chromium, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><title>bad</title><script>console.error('boom'); missing();</script>")
    console = open_in_chromium(chromium, page, tmp_path / "bad.png", tmp_path / "profile")
    assert any("boom" in line for line in console) and any("missing is not defined" in line for line in console)


def test_report_is_self_contained_and_escapes_image_text(comparison):
    html = render_html(comparison)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<svg") == 1 + len(comparison.images)  # the size chart, then one layer chart per image


def test_report_shows_verdicts_metrics_and_layers(comparison):
    html = render_html(comparison)
    for text in (
        "Minimal base image",
        "Runs as a non-root user",
        "Size (unpacked layers)",
        "×",
        "rules_distroless",
        "RUN chmod +x web_app.py",
        "DI006",
    ):
        assert text in html
    assert html.count('class="fail"') >= 4 and html.count('class="pass"') >= 8
