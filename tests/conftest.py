"""Shared fixtures: a running engine (started through `dockwise doctor`'s own code), and cleanup by label."""

from __future__ import annotations

import uuid

import pytest

from dockwise.engine.client import TEST_LABEL

RUN_ID = uuid.uuid4().hex[:12]


@pytest.fixture(scope="session")
def engine():
    """Facts about the running engine; starts it the way `dockwise doctor` does if it is not running."""
    from dockwise.engine.bootstrap import ensure_engine

    return ensure_engine()


@pytest.fixture(scope="session")
def docker_client(engine):
    from dockwise.engine.client import sdk_client

    return sdk_client()


@pytest.fixture(scope="session")
def test_labels() -> dict[str, str]:
    """Put these on every container and image a test creates; the session removes exactly those afterwards."""
    return {TEST_LABEL: RUN_ID}


@pytest.fixture(scope="session", autouse=True)
def _remove_what_tests_created(request):
    yield
    try:
        from dockwise.engine.client import sdk_client

        client = sdk_client(timeout=30)
    except Exception:
        return
    selector = {"label": f"{TEST_LABEL}={RUN_ID}"}
    for container in client.containers.list(all=True, filters=selector):
        container.remove(force=True)
    for image in client.images.list(filters=selector):
        try:
            client.images.remove(image.id, force=True)
        except Exception:
            pass
