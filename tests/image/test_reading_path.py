"""The reading path of issue 10: blobs read by offset with bounded buffers, hashed by workers while the headers are
walked, gzip -6 measured on request in parallel chunks. What it reports must not depend on how it reads: not on
the container format, not on buffer sizes; its memory must not grow with the image's bytes.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import random
import tarfile
import tempfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockwise.image import collect
from dockwise.image.blob import GZIP_CHUNK, Blob, chunk_bounds, deflate_chunk
from dockwise.image.tarstream import BlobSource, GzipSource
from tests.image.archives import F, docker_save, image_config, layer, oci_layout, sha
from tests.image.hostile_inputs import run_dockwise

MIB = 1 << 20


def _chunked_gzip(data: bytes) -> bytes:
    """The gzip file whose size `--gzip-size` reports, assembled from its parallel pieces."""
    blob = Blob.of_bytes(data)
    body = b"".join(piece for start, end in chunk_bounds(len(data)) for piece in deflate_chunk(blob, start, end))
    trailer = zlib.crc32(data).to_bytes(4, "little") + (len(data) & 0xFFFFFFFF).to_bytes(4, "little")
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + body + trailer


@pytest.mark.slow
def test_the_parallel_gzip_measure_is_the_size_of_a_real_gzip_file_of_the_layer(tmp_path):
    rng = random.Random(10)
    words = [bytes(rng.choice(b"abcdefghij") for _ in range(rng.randint(2, 9))) for _ in range(4000)]
    text = b" ".join(rng.choices(words, k=1_500_000))  # ~9 MB of compressible text: three chunks
    data = layer(F("usr/share/doc/words.txt", text), F("usr/lib/random.bin", rng.randbytes(600_000)))
    assert len(data) > 2 * GZIP_CHUNK
    stream = _chunked_gzip(data)
    assert gzip.decompress(stream) == data
    facts = collect(str(docker_save([data]).write_tar(tmp_path / "g.tar")), gzip_size=True)
    assert facts.layers[0].compressed_bytes == len(stream)
    assert abs(len(stream) / len(gzip.compress(data, 6)) - 1) < 0.005  # within 0.5 % of gzip -6 in one stream


def test_an_empty_layer_measures_like_gzip(tmp_path):
    assert len(_chunked_gzip(b"")) == len(gzip.compress(b"", 6))
    facts = collect(str(docker_save([layer()]).write_tar(tmp_path / "e.tar")), gzip_size=True)
    assert facts.layers[0].compressed_bytes == len(_chunked_gzip(layer()))


def test_compressed_blobs_give_their_size_for_free_without_measuring(tmp_path):
    layers = [layer(F("a", b"x" * 5000)), layer(F("b", b"y" * 7000))]
    config = image_config(layers)
    archive = oci_layout(layers, config)  # gzip blobs, as a v25 engine with the containerd store saves them
    raw = json.dumps(config).encode()
    blobs = [name for name, data in archive.members.items() if data[:2] == b"\x1f\x8b"]
    archive.members["manifest.json"] = json.dumps(
        [{"Config": "blobs/sha256/" + sha(raw)[7:], "RepoTags": ["v25:1"], "Layers": [b for b in blobs]}]
    ).encode()
    expected = [len(archive.members[b]) for b in blobs]
    for path in (archive.write_tar(tmp_path / "v25.tar"), archive.write_dir(tmp_path / "layout")):
        facts = collect(str(path))
        assert [layer.compressed_bytes for layer in facts.layers] == expected


NAMES = st.lists(
    st.sampled_from(["etc", "app", "usr", "lib", "bin", "a", "b", "x.py", ".wh.a", ".wh..wh..opq"]),
    min_size=1,
    max_size=4,
).map("/".join)
ENTRIES = st.lists(
    st.tuples(
        NAMES,
        st.sampled_from(["file", "dir", "symlink", "whiteout"]),
        st.binary(max_size=3000),
        st.sampled_from([0o644, 0o755, 0o4755, 0o666]),
    ),
    max_size=12,
)


def _layer(entries) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, data, mode in entries:
            info = tarfile.TarInfo(name)
            info.mode = mode
            if kind == "dir":
                info.type = tarfile.DIRTYPE
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, "../" + name
            elif kind == "whiteout":
                head, _, base = name.rpartition("/")
                info.name = f"{head}/.wh.{base}" if head else f".wh.{base}"
            else:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if kind == "file" else None)
    return buffer.getvalue()


@contextlib.contextmanager
def _tiny_buffers():
    """Windows and inflate pieces far smaller than a tar block, so every read crosses a buffer boundary."""
    saved = BlobSource.WINDOW, GzipSource.PIECE, GzipSource.INPUT
    BlobSource.WINDOW, GzipSource.PIECE, GzipSource.INPUT = 100, 77, 31
    try:
        yield
    finally:
        BlobSource.WINDOW, GzipSource.PIECE, GzipSource.INPUT = saved


def _comparable(facts) -> dict:
    data = facts.as_dict()
    for key in ("reference", "source", "tags", "compressed_bytes"):
        data.pop(key)
    for item in data["layers"]:
        item.pop("compressed_bytes")
    return data


@pytest.mark.slow
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60)
@given(st.lists(ENTRIES, min_size=1, max_size=3))
def test_facts_do_not_depend_on_the_container_format_or_buffer_sizes(layers_entries):
    layers = [_layer(entries) for entries in layers_entries]
    config = image_config(layers, User="1000", WorkingDir="/app")
    with tempfile.TemporaryDirectory(prefix="dockwise-read-") as name:
        directory = Path(name)
        paths = [
            docker_save(layers, config).write_tar(directory / "save.tar"),
            oci_layout(layers, config).write_dir(directory / "gzip"),
            oci_layout(layers, config, compress=False).write_tar(directory / "plain.tar"),
        ]
        views = [_comparable(collect(str(path))) for path in paths]
        with _tiny_buffers():
            views += [_comparable(collect(str(path))) for path in paths]
    assert all(view == views[0] for view in views[1:])


def _sparse_archive(directory: Path, size: int) -> Path:
    """A docker-save archive whose one layer holds a `size`-byte file of zeros, written sparse (instant on disk)."""
    inner = tarfile.TarInfo("data/zeros")
    inner.size = size
    inner_header = inner.tobuf(format=tarfile.GNU_FORMAT)
    layer_size = len(inner_header) + -(-size // 512) * 512 + 1024
    digest = __import__("hashlib").sha256(inner_header)
    zeros = bytes(MIB)
    for start in range(0, layer_size - len(inner_header), MIB):
        digest.update(zeros[: min(MIB, layer_size - len(inner_header) - start)])
    diff_id = "sha256:" + digest.hexdigest()
    config = image_config([b""])
    config["rootfs"]["diff_ids"] = [diff_id]
    raw = json.dumps(config).encode()
    members = [
        (f"{diff_id[7:]}/layer.tar", layer_size, inner_header),
        (sha(raw)[7:] + ".json", len(raw), raw),
        (
            "manifest.json",
            None,
            json.dumps(
                [{"Config": sha(raw)[7:] + ".json", "RepoTags": ["sparse:1"], "Layers": [f"{diff_id[7:]}/layer.tar"]}]
            ).encode(),
        ),
    ]
    path = directory / f"sparse-{size >> 20}.tar"
    with path.open("wb") as out:
        for name, length, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data) if length is None else length
            out.write(info.tobuf(format=tarfile.GNU_FORMAT))
            out.write(data)
            out.seek(out.tell() + info.size - len(data) + (-info.size) % 512)  # the rest stays a hole of zeros
        out.seek(out.tell() + 1024)
        out.truncate()
    return path


@pytest.mark.slow
def test_peak_memory_stays_flat_as_the_image_grows(tmp_path):
    peaks = {}
    for size in (8 * MIB, 512 * MIB):
        run = run_dockwise(["inspect", str(_sparse_archive(tmp_path, size)), "--format", "json"], timeout=120)
        assert run.code in (0, 1), run.stderr
        assert json.loads(run.stdout)["image"]["size_bytes"] > size
        peaks[size] = run.peak_mib
    assert max(peaks.values()) < 100, peaks
    assert peaks[512 * MIB] - peaks[8 * MIB] < 8, peaks  # a whole-file map made this ~512 MiB
