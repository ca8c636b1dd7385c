"""The self-contained HTML report, opened in headless Chromium: screenshot taken, no console errors, no network; the
demo's page (with the slim section) read as a browser renders it: every section's tables are tables, no tag is text.

Screenshots of the demo's page are kept in out/test-artifacts/ (ignored by git) for a person to look at."""

from __future__ import annotations

import json
import re
import subprocess
from html import escape, unescape
from html.parser import HTMLParser
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


ARTIFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artifacts"

# Text from the images and the slim run that holds markup on purpose: the page must show it as text, once.
DATA_WITH_MARKUP = ("debootstrap <script>alert(1)</script>", "home <b>&amp;</b>", "<td>odd</td>")
TAG_TEXT = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s|/?>)")


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


class _Text(HTMLParser):
    """The text nodes of a page (style and script bodies left out), and the tables under each <h2>."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.tables: dict[str, int] = {}
        self._skip = 0
        self._heading: list[str] | None = None
        self._section = ""

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        elif tag == "h2":
            self._heading = []
        elif tag == "table" and self._section:
            self.tables[self._section] += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        elif tag == "h2" and self._heading is not None:
            self._section = "".join(self._heading).strip()
            self.tables[self._section] = 0
            self._heading = None

    def handle_data(self, data):
        if not self._skip:
            self.texts.append(data)
            if self._heading is not None:
                self._heading.append(data)


def _parsed(page: str) -> _Text:
    parser = _Text()
    parser.feed(page)
    parser.close()
    return parser


def _tag_text(text: str) -> list[str]:
    for data in DATA_WITH_MARKUP:
        text = text.replace(data, "")
    return [match.group(0) for match in TAG_TEXT.finditer(text)]


def test_demo_page_has_no_tag_as_text_and_every_section_its_tables(comparison, slim_report):
    parsed = _parsed(render_html(comparison, slim=slim_report))
    text = "".join(parsed.texts)
    assert _tag_text(text) == []
    for data in DATA_WITH_MARKUP[1:]:  # slim's own data, escaped once: the browser shows it as it was
        assert data in text
    assert parsed.tables["slim"] == 2
    assert parsed.tables["Metrics side by side"] == 1 and parsed.tables["Seed practices"] == 1
    assert all(parsed.tables[image.name] >= 1 for image in comparison.images)  # their findings


def test_the_tag_text_check_can_fail(comparison, slim_report):
    page = render_html(comparison, slim=slim_report)
    twice = page.replace('<section class="slim">', "&lt;section class=&quot;slim&quot;&gt;&lt;td&gt;")
    assert _tag_text("".join(_parsed(twice).texts)) == ["<section ", "<td>"]


# Run inside a copy of the page, after it rendered: what the reader sees (innerText) and the tables under each
# heading, as the browser's own DOM holds them, written into the document for --dump-dom to print.
PROBE = """<script>
const sections = {};
let current = null;
for (const node of document.body.querySelectorAll("h2, table")) {
  if (node.tagName === "H2") { current = node.innerText.trim(); sections[current] = []; }
  else if (current !== null) { sections[current].push(node.rows.length); }
}
const found = JSON.stringify({text: document.body.innerText, sections: sections});
const out = document.createElement("pre");
out.id = "dockwise-probe";
out.textContent = found;
document.body.appendChild(out);
</script>"""


def _as_rendered(chromium: str, page: Path, profile: Path) -> dict:
    probe = page.with_name("probe-" + page.name)
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    result = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(r'<pre id="dockwise-probe">(.*?)</pre>', result.stdout, re.DOTALL)
    assert found, result.stdout[-2000:]
    return json.loads(unescape(found.group(1)))


@pytest.mark.browser
def test_demo_page_as_chromium_renders_it(comparison, slim_report, chromium, tmp_path):
    page = tmp_path / "demo-report.html"
    page.write_text(render_html(comparison, slim=slim_report), encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "demo-report.png"
    assert open_in_chromium(chromium, page, shot, tmp_path / "profile") == []
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 20_000

    rendered = _as_rendered(chromium, page, tmp_path / "profile")
    assert _tag_text(rendered["text"]) == []
    assert "home <b>&amp;</b>" in rendered["text"] and "demo/web:slim" in rendered["text"]
    sections = rendered["sections"]
    assert sections["slim"] == [1 + 3, 1 + 2]  # a header row, then the three directories and the two probes
    assert len(sections["Metrics side by side"]) == 1 and len(sections["Seed practices"]) == 1
    assert all(sections[image.name] for image in comparison.images)


@pytest.mark.browser
def test_chromium_sees_a_section_escaped_twice(comparison, slim_report, chromium, tmp_path):
    page = render_html(comparison, slim=slim_report)
    start, end = page.index('<section class="slim">'), page.index("</section>") + len("</section>")
    twice = page[:start] + escape(page[start:end]) + page[end:]  # what the demo's page was before the fix
    (tmp_path / "twice.html").write_text(twice, encoding="utf-8")
    rendered = _as_rendered(chromium, tmp_path / "twice.html", tmp_path / "profile")
    assert "<section " in _tag_text(rendered["text"]) and "<td>" in _tag_text(rendered["text"])
    assert "slim" not in rendered["sections"]
