"""slim's failures that are not dockwise bugs exit 1 (slimming failed) or 2 (the image cannot be slimmed as it is),
never 3, which promises a crash report: a tracer image that lacks what strace needs, an engine that refuses the
slim image, an image path that is not a file. Fakes stand in for the engine's container and client objects only."""

from __future__ import annotations

import io
import tarfile

import pytest
from docker.errors import APIError, NotFound

from dockwise.core.errors import EXIT_FAILED, EXIT_USAGE, DockwiseError
from dockwise.slim.assemble import Written, load
from dockwise.slim.tracer import _extract_bundle
from tests.slim.helpers import make_elf, make_rootfs


def _tar_of(path: str, data: bytes) -> list[bytes]:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(path.rsplit("/", 1)[-1])
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return [buffer.getvalue()]


class _Container:
    """A created container holding `files` (path -> bytes), answering get_archive as the engine does."""

    short_id = "0123456789ab"

    def __init__(self, files: dict[str, bytes]) -> None:
        self.attrs: dict = {}
        self.files = files
        self.removed = False

    def get_archive(self, path: str):
        if path not in self.files:
            raise NotFound(f"no {path}")
        return _tar_of(path, self.files[path]), {}

    def remove(self, force: bool = False) -> None:
        self.removed = True


class _Client:
    def __init__(self, container: _Container) -> None:
        self.container = container
        self.containers = self
        self.images = self

    def create(self, tag, command, labels):
        return self.container

    def load(self, handle):
        raise APIError("no space left on device")


@pytest.mark.parametrize(
    ("files", "cause"),
    [
        ({}, "/usr/bin/strace is missing from the tracer image"),
        ({"/usr/bin/strace": make_elf(("libc.so.6",))}, "strace has no program interpreter"),
        (
            {"/usr/bin/strace": make_elf(("libunw.so.8",), interpreter="/lib64/ld.so"), "/lib64/ld.so": b"ld"},
            "lacks libunw.so.8, which strace needs",
        ),
    ],
)
def test_a_tracer_image_without_what_strace_needs_is_a_failure_not_a_crash(files, cause, tmp_path):
    container = _Container(files)
    with pytest.raises(DockwiseError) as raised:
        _extract_bundle(_Client(container), "dockwise/slim-tracer:test", tmp_path / "bundle")
    assert raised.value.exit_code == EXIT_FAILED and cause in raised.value.cause
    assert "dockwise base --only slim --rebuild" in raised.value.fix and container.removed


def test_an_engine_that_refuses_the_slim_image_is_a_failure(tmp_path):
    archive = tmp_path / "slim.tar"
    archive.write_bytes(b"")
    written = Written(image_id="sha256:" + "0" * 64, archive=archive, layer_bytes=0, file_bytes=0, files=0)
    with pytest.raises(DockwiseError) as raised:
        load(_Client(_Container({})), written)
    assert raised.value.exit_code == EXIT_FAILED and "no space left on device" in raised.value.cause


def test_an_image_path_that_is_not_a_file_is_bad_input():
    root = make_rootfs({"usr/bin/python3": None, "app/web_app.py": b"print(1)\n"})
    assert root.read("app/web_app.py") == b"print(1)\n"
    with pytest.raises(DockwiseError) as raised:
        root.read("usr/bin/python3")
    assert raised.value.exit_code == EXIT_USAGE and "/usr/bin/python3" in raised.value.cause
