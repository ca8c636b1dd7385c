"""Hostile archives, one test per case: a clear error (or a bounded, correct result), never a write, bounded memory.

Memory bound (stated in dockwise.image.layer_index): the index keeps one small record per tar entry, at most
`MAX_ENTRIES` (1,000,000) entries per image, plus at most 64 MiB of captured file content; file data is never held.
`test_memory_per_entry_is_bounded` measures the per-entry cost and asserts it stays under BYTES_PER_ENTRY.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import tarfile
import tracemalloc

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.image import collect
from dockwise.image.layer_index import MAX_ENTRIES
from tests.image.archives import F, docker_save, image_config, layer, oci_layout, sha

BYTES_PER_ENTRY = 1024
FIXED_BYTES = 16 << 20


def _save(tmp_path, *layers, name="h.tar", **kwargs):
    return str(docker_save(list(layers), **kwargs).write_tar(tmp_path / name))


def _raw_layer(*infos: tuple[tarfile.TarInfo, bytes | None]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for info, data in infos:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def _info(name: str, kind: bytes = tarfile.REGTYPE, size: int = 0, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, size, link
    return info


def test_dotdot_path_is_an_error_and_nothing_is_written(tmp_path):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    path = _save(work, _raw_layer((_info("../../escaped", size=2), b"hi")))
    with pytest.raises(DockwiseError, match="points outside the image root") as caught:
        collect(path)
    assert caught.value.exit_code == 2
    assert not (tmp_path / "escaped").exists() and sorted(os.listdir(work)) == ["h.tar"]


def test_absolute_path_is_read_relative_to_the_image_root(tmp_path):
    path = _save(tmp_path, _raw_layer((_info("/etc/passwd", size=31), b"root:x:0:0:root:/root:/bin/sh\n")))
    facts = collect(path)
    assert facts.user.name == "root" and facts.file_count == 1


def test_symlink_pointing_outside_resolves_inside_the_image(tmp_path):
    outside = tmp_path / "host-secret"
    outside.write_text("host")
    path = _save(
        tmp_path,
        _raw_layer(
            (_info("bin/sh", tarfile.SYMTYPE, link=str(outside)), None),
            (_info("etc/x", tarfile.SYMTYPE, link="../../../../../../" + str(outside)), None),
        ),
    )
    facts = collect(path)
    assert facts.shells == () and facts.file_count == 2  # the host file is never looked at


def test_hardlink_pointing_outside_is_an_error(tmp_path):
    path = _save(tmp_path, _raw_layer((_info("etc/shadow", tarfile.LNKTYPE, link="../../../etc/shadow"), None)))
    with pytest.raises(DockwiseError, match="points outside the image root"):
        collect(path)


def test_huge_sparse_file_is_indexed_not_expanded(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    with open(source / "bomb", "wb") as handle:
        handle.truncate(1 << 40)  # 1 TiB apparent size, no data blocks
    data_path = tmp_path / "sparse.tar"
    subprocess.run(["tar", "--sparse", "--format=gnu", "-cf", str(data_path), "-C", str(source), "bomb"], check=True)
    data = data_path.read_bytes()
    assert len(data) < 1 << 20
    tracemalloc.start()
    facts = collect(_save(tmp_path, data))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert facts.size_bytes == len(data) and facts.file_count == 1
    assert peak < FIXED_BYTES


def test_million_entry_cap_is_enforced(tmp_path):
    assert MAX_ENTRIES == 1_000_000
    entries = [F(f"d/{i}") for i in range(1001)]
    path = _save(tmp_path, layer(*entries))
    with pytest.raises(DockwiseError, match="more than 1000 tar entries"):
        collect(path, max_entries=1000)
    assert collect(path, max_entries=1001).file_count == 1001


@pytest.mark.slow
def test_memory_per_entry_is_bounded(tmp_path):
    count = 20_000
    path = _save(tmp_path, layer(*(F(f"usr/share/doc/pkg{i % 100}/file-{i}.txt", b"x") for i in range(count))))
    tracemalloc.start()
    facts = collect(path, gzip_size=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert facts.file_count == count
    assert peak < FIXED_BYTES + BYTES_PER_ENTRY * count, f"{peak / count:.0f} B per entry"


def test_header_claiming_more_data_than_the_layer_has_is_an_error(tmp_path):
    good = _raw_layer((_info("big"), b"\x00" * 4096))
    truncated = good[: 512 + 1024]
    with pytest.raises(DockwiseError, match="truncated at 'big'"):
        collect(_save(tmp_path, truncated))


def test_missing_layer_blob_is_an_error(tmp_path):
    archive = docker_save([layer(F("a", b"1"))])
    del archive.members[next(name for name in archive.members if name.endswith("layer.tar"))]
    with pytest.raises(DockwiseError, match="missing from the archive"):
        collect(str(archive.write_tar(tmp_path / "m.tar")))


def test_missing_blob_in_an_oci_directory_is_an_error(tmp_path):
    archive = oci_layout([layer(F("a", b"1"))])
    layer_blob = next(name for name, data in archive.members.items() if data[:2] == b"\x1f\x8b")
    del archive.members[layer_blob]
    with pytest.raises(DockwiseError, match="missing from the layout"):
        collect(str(archive.write_dir(tmp_path / "oci")))


def test_altered_layer_is_a_digest_mismatch(tmp_path):
    original = layer(F("app/main.py", b"print(1)\n"))
    archive = docker_save([original], image_config([original]))
    name = next(name for name in archive.members if name.endswith("layer.tar"))
    archive.members[name] = layer(F("app/main.py", b"print(2)\n"))
    with pytest.raises(DockwiseError, match="digest mismatch"):
        collect(str(archive.write_tar(tmp_path / "x.tar")))


def test_altered_config_is_a_digest_mismatch(tmp_path):
    archive = docker_save([layer(F("a", b"1"))])
    name = next(name for name in archive.members if name.endswith(".json") and name != "manifest.json")
    archive.members[name] = archive.members[name].replace(b'"amd64"', b'"arm64"')
    with pytest.raises(DockwiseError, match="digest mismatch"):
        collect(str(archive.write_tar(tmp_path / "c.tar")))


def test_invalid_json_manifest_is_an_error(tmp_path):
    archive = docker_save([layer(F("a", b"1"))])
    archive.members["manifest.json"] = b'[{"Config": '
    with pytest.raises(DockwiseError, match="manifest.json' is not valid JSON"):
        collect(str(archive.write_tar(tmp_path / "j.tar")))


def test_truncated_gzip_layer_is_an_error(tmp_path):
    data = layer(F("big", os.urandom(64 << 10)))
    archive = oci_layout([data])
    blob = gzip.compress(data, mtime=0)[:-5000]
    old = next(name for name, value in archive.members.items() if value[:2] == b"\x1f\x8b")
    del archive.members[old]
    archive.members["blobs/sha256/" + sha(blob).split(":")[1]] = blob
    manifest_name = next(n for n, v in archive.members.items() if v.startswith(b'{"schemaVersion": 2, "mediaType"'))
    manifest = json.loads(archive.members.pop(manifest_name))
    manifest["layers"][0].update(digest=sha(blob), size=len(blob))
    raw = json.dumps(manifest).encode()
    archive.members["blobs/sha256/" + sha(raw).split(":")[1]] = raw
    archive.members["index.json"] = json.dumps(
        {
            "schemaVersion": 2,
            "manifests": [
                {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(raw), "size": len(raw)}
            ],
        }
    ).encode()
    with pytest.raises(DockwiseError, match="unreadable layer tar|corrupt gzip"):
        collect(str(archive.write_dir(tmp_path / "oci")))


def test_layer_path_outside_the_archive_is_an_error(tmp_path):
    archive = docker_save([layer(F("a", b"1"))])
    manifest = json.loads(archive.members["manifest.json"])
    manifest[0]["Layers"] = ["../../../../etc/passwd"]
    archive.members["manifest.json"] = json.dumps(manifest).encode()
    with pytest.raises(DockwiseError, match="missing from the archive"):
        collect(str(archive.write_tar(tmp_path / "p.tar")))


def test_descriptor_digest_that_is_a_path_is_an_error(tmp_path):
    archive = oci_layout([layer(F("a", b"1"))])
    index = json.loads(archive.members["index.json"])
    index["manifests"][0]["digest"] = "sha256:../../../etc/passwd"
    archive.members["index.json"] = json.dumps(index).encode()
    with pytest.raises(DockwiseError, match="invalid digest"):
        collect(str(archive.write_dir(tmp_path / "oci")))


def test_blob_that_is_a_symlink_out_of_the_layout_is_an_error(tmp_path):
    archive = oci_layout([layer(F("a", b"1"))])
    directory = archive.write_dir(tmp_path / "oci")
    blob = next(p for p in (directory / "blobs" / "sha256").iterdir() if p.read_bytes()[:2] == b"\x1f\x8b")
    (tmp_path / "elsewhere").write_bytes(blob.read_bytes())
    blob.unlink()
    blob.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(DockwiseError, match="cannot be opened"):
        collect(str(directory))


def test_not_a_tar_at_all_is_an_error(tmp_path):
    path = tmp_path / "junk.tar"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(DockwiseError, match="not a readable tar archive"):
        collect(str(path))


def test_corrupt_tar_header_is_an_error(tmp_path):
    data = bytearray(layer(F("app/main.py", b"print(1)\n")))
    data[10] ^= 0x01  # a byte of the first member's name: its header checksum no longer matches
    with pytest.raises(DockwiseError, match="bad header checksum at offset 0"):
        collect(_save(tmp_path, bytes(data)))


def test_empty_and_dot_names_are_the_root_not_an_entry(tmp_path):
    path = _save(tmp_path, _raw_layer((_info("./", tarfile.DIRTYPE), None), (_info("./etc/x"), b"1")))
    assert collect(path).file_count == 1
