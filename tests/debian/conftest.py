"""Fixtures for the base-image tests: the bases in the engine (built once if absent) and a container runner."""

from __future__ import annotations

import pytest

from dockwise.debian.bases import ensure_bases
from dockwise.debian.releases import release

RELEASES = ("trixie", "bookworm")


@pytest.fixture(scope="session", params=RELEASES)
def bases(request, engine):
    """(release, {tag: image_id}) for both bases of a release, present in the engine."""
    images = ensure_bases(request.param)
    return release(request.param), {image.tag: image.image_id for image in images}


@pytest.fixture(scope="session")
def run(docker_client, test_labels):
    """Run a command in an image, return (exit code, output). Containers are labelled and removed."""

    def _run(image: str, command: list[str] | None = None, **kwargs) -> tuple[int, str]:
        container = docker_client.containers.run(image, command, detach=True, labels=test_labels, **kwargs)
        try:
            code = container.wait(timeout=180)["StatusCode"]
            return code, container.logs(stdout=True, stderr=True).decode()
        finally:
            container.remove(force=True)

    return _run
