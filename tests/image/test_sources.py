"""One image, four ways in: docker-save archive, OCI layout directory, OCI tar, and the engine."""

from __future__ import annotations

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.image import collect
from dockwise.image.sources import Source, parse_source, read_image
from tests.image.archives import F, docker_save, image_config, layer, oci_layout

LAYERS = [
    layer(
        F("etc", kind="dir"),
        F("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/bin/false\n"),
        F("app", kind="dir"),
        F("app/main.py", b"print('hello')\n"),
    ),
    layer(F("app/main.py", b"print('hello, world')\n"), F("app/static/a.css", b"body{}")),
]


def _view(facts):
    return (facts.id, facts.size_bytes, facts.file_count, [layer.diff_id for layer in facts.layers], facts.user)


def test_docker_save_and_oci_layouts_give_the_same_facts(tmp_path):
    config = image_config(LAYERS, User="app", WorkingDir="/app")
    save = collect(str(docker_save(LAYERS, config).write_tar(tmp_path / "save.tar")))
    oci_dir = collect(str(oci_layout(LAYERS, config).write_dir(tmp_path / "layout")))
    oci_tar = collect(str(oci_layout(LAYERS, config).write_tar(tmp_path / "layout.tar")))
    oci_plain = collect(f"oci:{oci_layout(LAYERS, config, compress=False).write_dir(tmp_path / 'plain')}")
    assert _view(save) == _view(oci_dir) == _view(oci_tar) == _view(oci_plain)
    assert save.user.uid == 1000 and save.file_count == 3
    assert save.tags == ("test/image:1",) and oci_dir.tags == ("1",)


def test_gzip_size_is_measured_on_request_for_plain_layers_and_taken_from_the_blob_for_gzip_layers(tmp_path):
    save = collect(str(docker_save(LAYERS).write_tar(tmp_path / "save.tar")), gzip_size=True)
    assert all(0 < layer.compressed_bytes < layer.size_bytes for layer in save.layers)
    oci = oci_layout(LAYERS)
    blob_sizes = sorted(len(data) for name, data in oci.members.items() if name.startswith("blobs/"))
    for gzip_size in (False, True):
        facts = collect(str(oci.write_dir(tmp_path / "oci")), gzip_size=gzip_size)
        assert all(layer.compressed_bytes in blob_sizes for layer in facts.layers)
    unmeasured = collect(str(tmp_path / "save.tar"))
    assert unmeasured.compressed_bytes is None


def test_oci_ref_name_selects_an_image(tmp_path):
    path = oci_layout(LAYERS, ref="v2").write_dir(tmp_path / "oci")
    assert collect(f"oci:{path}:v2").tags == ("v2",)
    with pytest.raises(DockwiseError, match="no manifest named 'v3'"):
        collect(f"oci:{path}:v3")


def test_parse_source_kinds(tmp_path):
    (tmp_path / "a.tar").write_bytes(b"")
    assert parse_source(str(tmp_path)).kind == "oci"
    assert parse_source(str(tmp_path / "a.tar")).kind == "archive"
    assert parse_source("docker:busybox:1").kind == "engine"
    assert parse_source("dockwise/python:3.13-slim") == Source("engine", "dockwise/python:3.13-slim")
    with pytest.raises(DockwiseError, match="does not exist"):
        parse_source(str(tmp_path / "missing.tar"))


@pytest.mark.engine
def test_engine_export_matches_its_docker_save_archive(docker_client, test_labels, tmp_path):
    import subprocess

    from dockwise.engine.client import cli_client

    context = tmp_path / "ctx"
    (context / "app").mkdir(parents=True)
    (context / "app" / "main.py").write_text("print('hi')\n")
    (context / "Dockerfile").write_text(
        'FROM scratch\nCOPY app/ /app/\nWORKDIR /app\nUSER 1000\nCMD ["/app/main.py"]\n'
    )
    tag = f"dockwise-test/inspect-engine:{test_labels['dockwise.test']}"
    cli = cli_client()
    labels = [arg for key, value in test_labels.items() for arg in ("--label", f"{key}={value}")]
    subprocess.run(
        [*cli.build_command(), "-q", "-t", tag, *labels, str(context)], env=cli.env(), check=True, capture_output=True
    )
    engine = collect(tag)
    archive = tmp_path / "saved.tar"
    with archive.open("wb") as handle:
        for chunk in docker_client.images.get(tag).save(named=True):
            handle.write(chunk)
    saved = collect(str(archive))
    assert _view(engine) == _view(saved)
    assert engine.id == docker_client.images.get(tag).id
    assert engine.tags == (tag,) and engine.user.uid == 1000 and engine.exec_form
    assert [layer.created_by for layer in engine.layers][0].startswith("COPY app/ /app/")


def test_read_image_verifies_every_layer(tmp_path):
    raw = read_image(parse_source(str(docker_save(LAYERS).write_tar(tmp_path / "s.tar"))))
    assert [layer.diff_id for layer in raw.layers] == image_config(LAYERS)["rootfs"]["diff_ids"]


def test_engine_v25_save_format_oci_blobs_plus_manifest_json(tmp_path):
    import json

    from tests.image.archives import sha

    config = image_config(LAYERS, User="app")
    archive = oci_layout(LAYERS, config, compress=False)
    raw_config = json.dumps(config).encode()
    archive.members["manifest.json"] = json.dumps(
        [
            {
                "Config": "blobs/sha256/" + sha(raw_config).split(":")[1],
                "RepoTags": ["v25/image:1"],
                "Layers": ["blobs/sha256/" + sha(data).split(":")[1] for data in LAYERS],
            }
        ]
    ).encode()
    facts = collect(str(archive.write_tar(tmp_path / "v25.tar")))
    assert facts.tags == ("v25/image:1",) and facts.user.uid == 1000
    assert facts.id == sha(raw_config)


def test_zstd_layers_are_refused_clearly(tmp_path):
    import json

    archive = oci_layout(LAYERS)
    name = next(n for n, v in archive.members.items() if v.startswith(b'{"schemaVersion": 2, "mediaType"'))
    manifest = json.loads(archive.members[name])
    assert manifest["layers"][0]["mediaType"].endswith("+gzip")
    text = archive.members[name].replace(b"tar+gzip", b"tar+zstd")
    from tests.image.archives import sha

    del archive.members[name]
    archive.members["blobs/sha256/" + sha(text).split(":")[1]] = text
    index = json.loads(archive.members["index.json"])
    index["manifests"][0].update(digest=sha(text), size=len(text))
    archive.members["index.json"] = json.dumps(index).encode()
    with pytest.raises(DockwiseError, match="media type .*zstd.* is not supported"):
        collect(str(archive.write_dir(tmp_path / "oci")))
