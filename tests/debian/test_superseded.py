"""`dockwise base` removes the earlier bases a new load left untagged, and nothing else."""

from __future__ import annotations

import pytest

from dockwise.debian.bases import LABEL_RELEASE, _remove_superseded
from dockwise.debian.releases import release
from dockwise.engine.buildkit import BuildRequest, build_image

pytestmark = pytest.mark.engine


def _build(tmp_path, name: str, tag: str, labels: dict[str, str]) -> str:
    (tmp_path / name).mkdir()
    (tmp_path / name / "f").write_text(name)
    (tmp_path / name / "Dockerfile").write_text("FROM scratch\nCOPY f /f\n")
    return build_image(BuildRequest(tmp_path / name, tmp_path / name / "Dockerfile", tag, labels=labels)).image_id


def test_only_this_releases_untagged_bases_are_removed(docker_client, tmp_path, test_labels):
    from docker.errors import ImageNotFound

    # Each build takes the tag from the one before, leaving it untagged, as a rebuilt base does.
    tag = f"dockwise-test/superseded:{test_labels['dockwise.test']}"
    old_base = _build(tmp_path, "old", tag, {**test_labels, LABEL_RELEASE: "trixie"})
    other = _build(tmp_path, "other", tag, {**test_labels, LABEL_RELEASE: "bookworm"})
    unrelated = _build(tmp_path, "unrelated", tag, dict(test_labels))
    _build(tmp_path, "newest", tag, dict(test_labels))
    current = docker_client.images.get("dockwise/python:3.13-slim").id

    _remove_superseded(docker_client, release("trixie"))

    with pytest.raises(ImageNotFound):
        docker_client.images.get(old_base)
    assert docker_client.images.get(other).id == other
    assert docker_client.images.get(unrelated).id == unrelated
    assert docker_client.images.get("dockwise/python:3.13-slim").id == current
