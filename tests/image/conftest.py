"""Fixtures for image tests."""

from __future__ import annotations

import pytest

from dockwise.image.comparison import Comparison
from dockwise.jobs.compare import compare_images
from tests.image import samples


@pytest.fixture(scope="session")
def comparison(tmp_path_factory) -> Comparison:
    directory = tmp_path_factory.mktemp("compare")
    return compare_images([samples.standard(directory), samples.distroless(directory)], runtime=False)
