"""Fixtures for report tests: a two-image comparison from hand-written archives, and headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from dockwise.image.compare import Comparison, compare_images
from tests.image import samples


@pytest.fixture(scope="session")
def comparison(tmp_path_factory) -> Comparison:
    directory = tmp_path_factory.mktemp("compare")
    return compare_images([samples.standard(directory), samples.distroless(directory)], runtime=False)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium; installed with apt-get when missing and we are root (as in CI)."""
    found = shutil.which("chromium")
    if found is None and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"], check=True, env=env,
                       capture_output=True)
        found = shutil.which("chromium")
    if found is None:
        pytest.fail("chromium is not installed (apt-get install chromium)")
    return found
