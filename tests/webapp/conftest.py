"""Both variants of the reference service, built once per session from a deliberately dirty copy of its context.

The copy holds what a developer's checkout really holds (a .venv, .git, bytecode, tests, an .env with a secret),
so every practice is checked against the image that such a checkout produces.
"""

from __future__ import annotations

import io
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import RUN_ID

APP_DIR = Path(__file__).resolve().parents[2] / "examples" / "webapp"
SECRET_MARKER = "dockwise-secret-" + RUN_ID
# Every junk file carries the marker, so "never reached the image" is checked on content, not only on names (the
# stale bytecode shares its name with what the build compiles itself).
JUNK = {
    ".env": f"API_TOKEN={SECRET_MARKER}\n",
    "prod.env": f"DB_PASSWORD={SECRET_MARKER}\n",
    ".git/config": f"[core]\n\trepositoryformatversion = 0 # {SECRET_MARKER}\n",
    ".venv/bin/python": f"#!/bin/false {SECRET_MARKER}\n",
    "__pycache__/web_app.cpython-313.pyc": f"stale bytecode from the host {SECRET_MARKER}",
    "tests/test_web_app.py": f"def test_nothing():\n    assert '{SECRET_MARKER}'\n",
    "notes.md": f"# local notes {SECRET_MARKER}\n",
}


@dataclass(frozen=True)
class BuiltApp:
    variant: str
    tag: str
    image_id: str
    context: Path


def dirty_copy(destination: Path) -> Path:
    shutil.copytree(APP_DIR, destination, symlinks=False)
    for relative, content in JUNK.items():
        path = destination / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return destination


def build_variant(variant: str, context: Path, tag: str, labels: dict[str, str]) -> BuiltApp:
    from dockwise.jobs.build import BaseSource, build_app, ensure_local_bases

    result = build_app(
        context, variant, tag=tag, source=BaseSource.LOCAL, labels=labels, ensure_bases=ensure_local_bases
    )
    return BuiltApp(variant=variant, tag=result.tag, image_id=result.image_id, context=context)


@pytest.fixture(scope="session")
def dirty_context(tmp_path_factory) -> Path:
    return dirty_copy(tmp_path_factory.mktemp("webapp") / "app")


@pytest.fixture(scope="session")
def standard(engine, dirty_context, test_labels) -> BuiltApp:
    return build_variant("standard", dirty_context, f"dockwise-test/webapp:standard-{RUN_ID}", test_labels)


@pytest.fixture(scope="session")
def distroless(engine, dirty_context, test_labels) -> BuiltApp:
    return build_variant("distroless", dirty_context, f"dockwise-test/webapp:distroless-{RUN_ID}", test_labels)


@pytest.fixture(scope="session", params=["standard", "distroless"])
def built(request) -> BuiltApp:
    return request.getfixturevalue(request.param)


def image_layers(client, tag: str) -> list[list[tarfile.TarInfo]]:
    """Every layer's entries (names only), in order, from `docker save`."""
    data = b"".join(client.images.get(tag).save(named=False))
    layers: list[list[tarfile.TarInfo]] = []
    with tarfile.open(fileobj=io.BytesIO(data)) as outer:
        import json

        manifest = json.load(outer.extractfile("manifest.json"))
        for layer_name in manifest[0]["Layers"]:
            with tarfile.open(fileobj=outer.extractfile(layer_name)) as layer:
                layers.append(layer.getmembers())
    return layers


def layer_bytes(client, tag: str) -> bytes:
    """All layer tars of the image concatenated, for content searches."""
    return b"".join(client.images.get(tag).save(named=False))


def read_dir(client, tag: str, path: str, labels: dict[str, str]) -> dict[str, tarfile.TarInfo]:
    """The entries under `path` in the image, read through a created (never started) container: no shell needed."""
    container = client.containers.create(tag, labels=labels)
    try:
        stream, _stat = container.get_archive(path)
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
            return {member.name: member for member in archive.getmembers()}
    finally:
        container.remove(force=True)


def path_exists(client, tag: str, path: str, labels: dict[str, str]) -> bool:
    from docker.errors import NotFound

    container = client.containers.create(tag, labels=labels)
    try:
        container.get_archive(path)
        return True
    except NotFound:
        return False
    finally:
        container.remove(force=True)
