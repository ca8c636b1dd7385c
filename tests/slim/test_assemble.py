"""The slim layer and config: deterministic bytes, source metadata kept, the base named."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

from dockwise.slim.assemble import slim_config, write_layer
from dockwise.slim.keep import Options, compute_keep_set
from tests.slim.helpers import make_rootfs
from tests.slim.test_keep import CONFIG, _trace, _tree

INSPECTED = {
    "Created": "2026-12-02T01:40:42.730371229Z",
    "Architecture": "amd64",
    "Os": "linux",
    "Config": {
        **CONFIG,
        "Cmd": ["/usr/bin/python3.13", "app.py"],
        "ExposedPorts": {"5000/tcp": {}},
        "Labels": {"org.opencontainers.image.title": "app"},
        "Healthcheck": {"Test": ["NONE"]},
        "Hostname": "abc",
        "ArgsEscaped": True,
    },
}


def test_layer_is_deterministic_and_keeps_metadata(tmp_path: Path) -> None:
    outputs = []
    for run in range(2):
        root = make_rootfs(_tree())
        keep = compute_keep_set(root, _trace(), CONFIG, Options())
        out = tmp_path / f"layer{run}.tar"
        write_layer(root, keep, out, directory_mtime=1234)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    with tarfile.open(tmp_path / "layer0.tar") as tar:
        members = {m.name: m for m in tar.getmembers()}
        names = [m.name for m in tar.getmembers()]
        assert names == sorted(names)
        assert members["usr/lib/python3.13/json/__init__.pyc"].mtime == 1_700_000_000  # the source's, for the pyc
        assert members["usr/lib/python3.13"].mtime == 1234
        assert members["usr/lib/x86_64-linux-gnu/libm.so.6"].issym()
        passwd = tar.extractfile("etc/passwd").read()  # type: ignore[union-attr]
        assert passwd.startswith(b"nonroot:")
        assert all(m.uname == "" and m.gname == "" for m in tar.getmembers())


def test_config_keeps_the_run_configuration_and_names_the_base() -> None:
    config = json.loads(
        slim_config(
            INSPECTED,
            "sha256:" + "a" * 64,
            {"dockwise.test": "x"},
            source_ref="app:distroless",
            source_id="sha256:" + "b" * 64,
        )
    )
    run = config["config"]
    assert (
        run["User"] == "65532:65532" and run["WorkingDir"] == "/app" and run["Cmd"] == ["/usr/bin/python3.13", "app.py"]
    )
    assert run["ExposedPorts"] == {"5000/tcp": {}} and run["Healthcheck"] == {"Test": ["NONE"]}
    assert run["Labels"] == {
        "org.opencontainers.image.title": "app",
        "org.opencontainers.image.base.name": "app:distroless",
        "org.opencontainers.image.base.digest": "sha256:" + "b" * 64,
        "dockwise.test": "x",
    }
    assert "Hostname" not in run and "ArgsEscaped" not in run
    assert config["created"] == INSPECTED["Created"] and config["rootfs"]["diff_ids"] == ["sha256:" + "a" * 64]
