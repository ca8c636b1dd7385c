"""Shared fixtures: a running engine (started through `dockwise doctor`'s own code), cleanup by label, and the guard
that keeps the unmarked tier hermetic.

With DOCKWISE_HERMETIC=1 (`make check`), a test that opens a network connection (the engine's socket included) or
starts a program that needs root or the network fails at once: it must carry the marker of what it needs
(`engine`, `network`, `root`, `browser`, `slow`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import uuid

import pytest
from hypothesis import settings

from dockwise.service.labels import TEST as TEST_LABEL

# `make test` runs the property-based suites in full; `make check` (HYPOTHESIS_PROFILE=check) runs a short profile.
settings.register_profile("full", max_examples=1500)
settings.register_profile("check", max_examples=40)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "full"))


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
    for volume in client.volumes.list(filters=selector):
        with contextlib.suppress(Exception):
            volume.remove(force=True)
    for image in client.images.list(filters=selector):
        try:
            client.images.remove(image.id, force=True)
        except Exception:
            pass


NEEDS_MARKER = (
    "mount",
    "umount",
    "mmdebstrap",
    "apt-get",
    "setpriv",
    "chromium",
    "docker",
    "dockerd",
    "wrk",
    "nsenter",
)


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch):
    if os.environ.get("DOCKWISE_HERMETIC") != "1":
        return

    def refuse_connect(self, address):
        raise AssertionError(f"hermetic test connected to {address!r}: mark it engine or network")

    real_popen_init = subprocess.Popen.__init__

    def refuse_privileged(self, args, *rest, **kwargs):
        program = os.path.basename(str(args[0] if isinstance(args, (list, tuple)) else str(args).split()[0]))
        if program in NEEDS_MARKER:
            raise AssertionError(f"hermetic test ran {program}: mark it root, network, engine or browser")
        real_popen_init(self, args, *rest, **kwargs)

    monkeypatch.setenv("DOCKWISE_OFFLINE", "1")  # `dockwise init` reads no package index
    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse_connect)
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse_privileged)


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="write the golden files of `dockwise init` (tests/golden/) from the code instead of comparing them",
    )
