"""Fixtures for report tests: a two-image comparison from hand-written archives, and headless Chromium."""

from __future__ import annotations

import pytest

from dockwise.image.comparison import Comparison
from dockwise.jobs.compare import compare_images
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
