"""Fixtures for report tests: a two-image comparison from hand-written archives, a slim report, headless Chromium."""

from __future__ import annotations

import pytest

from dockwise.image import collect
from dockwise.image.comparison import Comparison
from dockwise.jobs.compare import compare_images
from dockwise.slim.assemble import Written
from dockwise.slim.keep import APP, NEEDED, KeepSet, Kept, Options, Reason
from dockwise.slim.probes import Answer, Probe, ProbeResult
from dockwise.slim.report import SlimReport, build_report
from dockwise.slim.trace import Trace
from dockwise.slim.tracer import RunResult
from tests.image import samples


@pytest.fixture(scope="session")
def comparison(tmp_path_factory) -> Comparison:
    directory = tmp_path_factory.mktemp("compare")
    return compare_images([samples.standard(directory), samples.distroless(directory)], runtime=False)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium; installed with apt-get when missing and we are root (as in CI)."""
    from dockwise.core.hostpkg import ensure_command

    return ensure_command("chromium", "chromium")


@pytest.fixture(scope="session")
def slim_report(tmp_path_factory) -> SlimReport:
    """What `dockwise slim` reports, from real facts of two archives and the slim pipeline's own result types; a
    probe name and a kept directory carry markup, which the page must show as text."""
    directory = tmp_path_factory.mktemp("slim")
    source, slimmed = collect(samples.standard(directory)), collect(samples.distroless(directory))
    home = Answer(status=200, body=b"<h1>hello</h1>", content_type="text/html", seconds=0.004)
    run = RunResult(answers={"home": home}, health_exit=0, log_tail="", ready_seconds=0.4)
    keep = KeepSet(
        kept={
            "app/web_app.py": Kept(Reason(APP, "the app directory"), "app/web_app.py"),
            "etc/passwd": Kept(Reason(NEEDED, "the image's USER"), "etc/passwd"),
        }
    )
    return build_report(
        source=source,
        slim=slimmed,
        tag="demo/web:slim",
        keep=keep,
        trace=Trace(processes=(), python=(), python_events=(), python_exits={}, mapped=()),
        probes=(
            ProbeResult(Probe("home <b>&amp;</b>", "GET", "/"), home, home),
            ProbeResult(Probe("health", "GET", "/health"), home, None),
        ),
        original=run,
        traced=run,
        slim_run=run,
        size_before={"usr/lib": 300_000, "app": 12, "<td>odd</td>": 7},
        size_after={"usr/lib": 100_000, "app": 12},
        written=Written(
            image_id="sha256:" + "0" * 64, archive=directory / "slim.tar", layer_bytes=1, file_bytes=1, files=2
        ),
        options=Options(),
        timings={"total": 1.0},
    )
