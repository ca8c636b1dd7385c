"""Fixtures for the base-image tests: the bases in the engine (built once if absent) and a container runner."""

from __future__ import annotations

import pytest

from dockwise.debian.bases import DISTROLESS, ensure_bases
from dockwise.debian.profiles import PROFILES
from dockwise.debian.releases import release
from tests.debian.helpers import NAMESPACE

RELEASES = ("trixie", "bookworm")


@pytest.fixture(scope="session", params=RELEASES)
def bases(request, engine):
    """(release, {tag: image_id}) for both bases of a release (distroless: the default, lean), in the engine."""
    images = ensure_bases(request.param, namespace=NAMESPACE)
    return release(request.param), {image.tag: image.image_id for image in images}


@pytest.fixture(scope="session", params=sorted(PROFILES))
def distroless(request, bases):
    """(release, profile) for each distroless profile of the release, its images in the engine."""
    rel, _ = bases
    profile = PROFILES[request.param]
    ensure_bases(rel.codename, kinds=(DISTROLESS,), profile=profile, namespace=NAMESPACE)
    return rel, profile


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
