"""Hostile images, one builder per attack of issue 15: each writes the input into a directory and returns the path
to give `dockwise inspect`. The regression tests (test_hostile_input.py, test_hostile_documents.py) and
benchmarks/hostile_images.py (time and memory of each, worst case) both use them.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from tests.image.archives import F, docker_save, image_config, layer, oci_layout, sha

PASSWD = F("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")


def raw_layer(*members: tuple[tarfile.TarInfo, bytes | None]) -> bytes:
    """A layer from TarInfo headers as given (names may hold any character; non-UTF-8 bytes as surrogates)."""
    buffer = io.BytesIO()
    with tarfile.open(
        fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT, encoding="utf-8", errors="surrogateescape"
    ) as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "", mode: int = 0o644) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, link, mode
    return info


class Run(NamedTuple):
    """One program run in a child process: exit code (None if killed at the timeout), output, wall and CPU seconds,
    and its own peak resident memory."""

    code: int | None
    stdout: bytes
    stderr: bytes
    seconds: float
    cpu: float
    peak_mib: float


# Linux keeps a process's peak RSS across exec, and a child forked from a large process (pytest, a benchmark)
# starts from its parent's: so the program is forked from this small launcher, which reports what wait4 measured.
_LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
os.write(int(sys.argv[1]), ("%d %f %f %d" % (os.waitstatus_to_exitcode(status), time.perf_counter() - start,
                                            usage.ru_utime + usage.ru_stime, usage.ru_maxrss)).encode())
"""


def run_measured(command: list[str], *, timeout: float = 60, env: dict[str, str] | None = None) -> Run:
    """Run `command` to its end (or kill it after `timeout` seconds); see Run."""
    read_end, write_end = os.pipe()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(
            [sys.executable, "-S", "-c", _LAUNCHER, str(write_end), *command],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=env,
            pass_fds=(write_end,),
            start_new_session=True,
        )
        os.close(write_end)
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, 9)
            child.wait()
        with os.fdopen(read_end, "rb") as report:
            figures = report.read().split()
        out.seek(0)
        err.seek(0)
        if len(figures) != 4:
            return Run(None, out.read(), err.read(), float(timeout), 0.0, 0.0)
        code, seconds, cpu, peak_kib = int(figures[0]), float(figures[1]), float(figures[2]), int(figures[3])
        return Run(code, out.read(), err.read(), seconds, cpu, peak_kib / 1024)


def run_dockwise(args: list[str], *, timeout: float = 60, env: dict[str, str] | None = None) -> Run:
    """`python -m dockwise.cli ARGS`, measured (run_measured)."""
    return run_measured([sys.executable, "-m", "dockwise.cli", *args], timeout=timeout, env=env)


def _save(directory: Path, layers: list[bytes], name: str = "image.tar", **kwargs) -> str:
    return str(docker_save(layers, **kwargs).write_tar(directory / name))


# -- paths and links ---------------------------------------------------------------------------------------------


def deep_entry_path(directory: Path, depth: int = 20_000) -> str:
    """One file `d/d/.../d/f`, `depth` components deep (a pax path record): ~60 KB of archive."""
    return _save(directory, [raw_layer((member("/".join(["d"] * depth) + "/f"), b"x"))])


def long_symlink_target(directory: Path, components: int = 60_000) -> str:
    """`bin` is a symlink whose target has `components` components: every lookup of bin/sh, bin/bash... meets it."""
    target = "/".join(["a"] * components)
    return _save(
        directory, [raw_layer((member("bin", tarfile.SYMTYPE, target), None), (member("a", tarfile.DIRTYPE), None))]
    )


def missing_hardlink_target(directory: Path) -> str:
    """`usr/bin/apt-get` is a hard link to a file no layer has: an engine cannot unpack the layer."""
    return _save(directory, [raw_layer((member("usr/bin/apt-get", tarfile.LNKTYPE, "usr/bin/nowhere"), None))])


# -- compression -------------------------------------------------------------------------------------------------


def gzip_bomb(directory: Path, expanded: int = 1 << 30) -> str:
    """An OCI layout whose one gzip layer (~1 MB per GiB) expands to a tar of `expanded` zero bytes.

    Built without compressing a gigabyte: after a full flush, deflate's output for a MiB of zeros is the same
    every time, so that piece is repeated; CRC-32 and SHA-256 still go over every byte."""
    info = member("zeros")
    info.size = expanded
    header = info.tobuf(format=tarfile.GNU_FORMAT)
    zeros = -(-expanded // 512) * 512 + 1024  # file data, padding, end-of-archive blocks
    chunk = b"\0" * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(header) + compressor.flush(zlib.Z_FULL_FLUSH)
    piece = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    whole, rest = divmod(zeros, len(chunk))
    tail = compressor.compress(chunk[:rest]) + compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(header)
    digest = hashlib.sha256(header)
    for _ in range(whole):
        crc = zlib.crc32(chunk, crc)
        digest.update(chunk)
    crc = zlib.crc32(chunk[:rest], crc)
    digest.update(chunk[:rest])
    size = len(header) + zeros
    trailer = crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")
    blob_path = directory / "bomb.gz"
    with blob_path.open("wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + head)
        for _ in range(whole):
            out.write(piece)
        out.write(tail + trailer)
    return _layout_with_blob(directory, blob_path, "sha256:" + digest.hexdigest())


def _layout_with_blob(directory: Path, blob_path: Path, diff_id: str) -> str:
    """An OCI layout directory around one gzip layer blob already on disk."""
    blob_digest = hashlib.sha256()
    with blob_path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            blob_digest.update(chunk)
    config = image_config([b""])
    config["rootfs"]["diff_ids"] = [diff_id]
    archive = oci_layout([b""], config)
    layout = directory / "layout"
    archive.write_dir(layout)
    placeholder = next(p for p in (layout / "blobs" / "sha256").iterdir() if p.read_bytes()[:2] == b"\x1f\x8b")
    manifest_path = next(
        p for p in (layout / "blobs" / "sha256").iterdir() if b"image.manifest.v1+json" in p.read_bytes()
    )
    manifest = json.loads(manifest_path.read_bytes())
    manifest["layers"][0].update(digest="sha256:" + blob_digest.hexdigest(), size=blob_path.stat().st_size)
    placeholder.unlink()
    manifest_path.unlink()
    blob_path.rename(layout / "blobs" / "sha256" / blob_digest.hexdigest())
    raw = json.dumps(manifest).encode()
    (layout / "blobs" / "sha256" / sha(raw).split(":")[1]).write_bytes(raw)
    index = json.loads((layout / "index.json").read_bytes())
    index["manifests"][0].update(digest=sha(raw), size=len(raw))
    (layout / "index.json").write_text(json.dumps(index))
    return str(layout)


# -- what the path names -----------------------------------------------------------------------------------------


def fifo_image_path(directory: Path) -> str:
    path = directory / "image.tar"
    os.mkfifo(path)
    return str(path)


def fifo_blob(directory: Path) -> str:
    """An OCI layout whose layer blob is a FIFO (nothing ever writes to it)."""
    layout = oci_layout([layer(PASSWD)]).write_dir(directory / "layout")
    blob = next(p for p in (layout / "blobs" / "sha256").iterdir() if p.read_bytes()[:2] == b"\x1f\x8b")
    blob.unlink()
    os.mkfifo(blob)
    return str(layout)


def blobs_symlinked_outside(directory: Path) -> str:
    """A valid OCI layout whose `blobs/` is a symlink to a directory outside it."""
    layout = oci_layout([layer(PASSWD)]).write_dir(directory / "layout")
    (layout / "blobs").rename(directory / "elsewhere")
    (layout / "blobs").symlink_to(directory / "elsewhere")
    return str(layout)


# -- names and contents ------------------------------------------------------------------------------------------

ESCAPE_NAME = "app/\x1b]0;owned\x07\x1b[2J.env"
NON_UTF8_NAME = "app/\udcff\udcfe-key.env"
MARKUP_NAME = "usr/bin/[red]sudo[/red]"
NEWLINE_NAME = "app/x\nDI999 error forged.env"


def hostile_names(directory: Path) -> str:
    """Secret-looking, setuid files whose names hold terminal escapes, non-UTF-8 bytes, rich markup and a new line,
    and a history line and tag with escapes: all of them reach findings and the text table."""
    layers = [
        raw_layer(
            *((member(name, mode=0o4755), b"data") for name in (ESCAPE_NAME, NON_UTF8_NAME, MARKUP_NAME, NEWLINE_NAME))
        )
    ]
    config = image_config(layers, history=["RUN \x1b]0;title\x07echo [bold]hi[/bold]"], WorkingDir="/app")
    return _save(directory, layers, config=config, tags=("demo/\x1b[31mred:1",))


def empty_package_line(directory: Path) -> str:
    """dpkg's status with a stanza whose `Package:` is empty, next to a real one."""
    status = (
        b"Package: \nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\n"
        b"Package: libc6\nStatus: install ok installed\nVersion: 2.41-12\nArchitecture: amd64\n"
    )
    return _save(directory, [layer(PASSWD, F("var/lib/dpkg/status", status))])


# -- JSON documents ----------------------------------------------------------------------------------------------


def deep_json_config(directory: Path, depth: int = 100_000) -> str:
    """A config with an extra field nested `depth` arrays deep (valid JSON; its digest is right)."""
    layers = [layer(PASSWD)]
    text = json.dumps(image_config(layers))
    raw = (text[:-1] + ', "x": ' + "[" * depth + "]" * depth + "}").encode()
    return _save(directory, layers, raw_config=raw)


def nan_config(directory: Path) -> str:
    """A config whose Healthcheck interval is NaN (Python's json writes and reads it; it is not JSON)."""
    layers = [layer(PASSWD)]
    config = image_config(layers, Healthcheck={"Test": ["CMD", "true"], "Interval": float("nan")})
    return _save(directory, layers, config=config)


def _in_config(field: str, value: object) -> Callable[[dict], None]:
    def edit(config: dict) -> None:
        config["config"][field] = value

    return edit


def _top(field: str, value: object) -> Callable[[dict], None]:
    def edit(config: dict) -> None:
        config[field] = value

    return edit


def _history_entry(field: str, value: object) -> Callable[[dict], None]:
    def edit(config: dict) -> None:
        config["history"][0][field] = value

    return edit


CONFIG_VARIANTS: dict[str, tuple[Callable[[dict], None], str]] = {
    "config-is-a-string": (_top("config", "User=root"), "config is a string"),
    "config-is-a-list": (_top("config", ["User", "root"]), "config is an array"),
    "user-is-an-int": (_in_config("User", 1000), "config.User is a number"),
    "env-is-a-dict": (_in_config("Env", {"PATH": "/bin"}), "config.Env is an object"),
    "env-item-is-an-int": (_in_config("Env", ["PATH=/bin", 7]), r"config.Env\[1\] is a number"),
    "entrypoint-is-a-string": (_in_config("Entrypoint", "python app.py"), "config.Entrypoint is a string"),
    "cmd-is-a-string": (_in_config("Cmd", "python app.py"), "config.Cmd is a string"),
    "labels-is-a-list": (_in_config("Labels", ["a=b"]), "config.Labels is an array"),
    "label-value-is-an-int": (_in_config("Labels", {"a": 1}), r"config.Labels\['a'\] is a number"),
    "exposed-ports-is-a-list": (_in_config("ExposedPorts", ["5000/tcp"]), "config.ExposedPorts is an array"),
    "exposed-port-value-is-a-string": (_in_config("ExposedPorts", {"5000/tcp": "yes"}), "ExposedPorts.*is a string"),
    "healthcheck-is-a-string": (_in_config("Healthcheck", "CMD true"), "config.Healthcheck is a string"),
    "healthcheck-test-is-a-string": (
        _in_config("Healthcheck", {"Test": "true"}),
        "config.Healthcheck.Test is a string",
    ),
    "workdir-is-a-list": (_in_config("WorkingDir", ["/app"]), "config.WorkingDir is an array"),
    "history-is-an-object": (_top("history", {"created_by": "x"}), "history is an object"),
    "history-entry-is-a-string": (_top("history", ["RUN x"]), r"history\[0\] is a string"),
    "created-by-is-an-int": (_history_entry("created_by", 5), r"history\[0\].created_by is a number"),
    "empty-layer-is-a-string": (_history_entry("empty_layer", "no"), r"history\[0\].empty_layer is a string"),
    "created-is-a-number": (_top("created", 0), "created is a number"),
    "architecture-is-a-list": (_top("architecture", ["amd64"]), "architecture is an array"),
    "rootfs-is-a-string": (_top("rootfs", "layers"), "rootfs is a string"),
}

SAVE_MANIFEST_VARIANTS: dict[str, tuple[dict, str]] = {
    "repo-tags-is-a-string": ({"RepoTags": "demo:1"}, r"\[0\].RepoTags is a string"),
    "repo-tag-is-an-int": ({"RepoTags": [1]}, r"\[0\].RepoTags\[0\] is a number"),
    "config-name-is-an-int": ({"Config": 5}, r"\[0\].Config is a number"),
    "layers-is-an-object": ({"Layers": {"a": "b"}}, r"\[0\].Layers is an object"),
}


def _set_index_annotations(value: object) -> Callable[[dict], None]:
    def edit(index: dict) -> None:
        index["manifests"][0]["annotations"] = value

    return edit


def _set_layer_field(field: str, value: object) -> Callable[[dict], None]:
    def edit(manifest: dict) -> None:
        manifest["layers"][0][field] = value

    return edit


def _set_manifest_field(field: str, value: object) -> Callable[[dict], None]:
    def edit(manifest: dict) -> None:
        manifest[field] = value

    return edit


def _set_index_field(field: str, value: object) -> Callable[[dict], None]:
    def edit(index: dict) -> None:
        index[field] = value

    return edit


OCI_VARIANTS: dict[str, tuple[str, Callable[[dict], None], str]] = {
    "annotations-is-a-list": ("index", _set_index_annotations(["ref"]), r"manifests\[0\].annotations is an array"),
    "annotation-value-is-an-int": (
        "index",
        _set_index_annotations({"org.opencontainers.image.ref.name": 1}),
        r"manifests\[0\].annotations\[.*\] is a number",
    ),
    "index-manifests-is-an-object": ("index", _set_index_field("manifests", {"a": 1}), "manifests is an object"),
    "layer-size-is-a-string": ("manifest", _set_layer_field("size", "12"), r"layers\[0\].size is a string"),
    "layer-size-is-a-boolean": ("manifest", _set_layer_field("size", True), r"layers\[0\].size is a boolean"),
    "layer-media-type-is-an-int": ("manifest", _set_layer_field("mediaType", 5), r"layers\[0\].mediaType is a number"),
    "layer-annotations-is-a-list": (
        "manifest",
        _set_layer_field("annotations", []),
        r"layers\[0\].annotations is an array",
    ),
    "manifest-config-is-a-string": ("manifest", _set_manifest_field("config", "sha256:00"), "config is a string"),
    "manifest-layers-is-an-object": ("manifest", _set_manifest_field("layers", {}), "layers is an object"),
}


def config_variant(directory: Path, name: str) -> str:
    """A docker-save archive with one config field of the wrong JSON type (CONFIG_VARIANTS); digests are right."""
    layers = [layer(PASSWD)]
    config = copy.deepcopy(image_config(layers, User="root", Env=["PATH=/bin"], Cmd=["/bin/true"]))
    CONFIG_VARIANTS[name][0](config)
    return _save(directory, layers, config=config)


def save_manifest_variant(directory: Path, name: str) -> str:
    return _save(directory, [layer(PASSWD)], entry=SAVE_MANIFEST_VARIANTS[name][0])


def oci_variant(directory: Path, name: str) -> str:
    where, edit, _ = OCI_VARIANTS[name]
    archive = oci_layout([layer(PASSWD)], **({"edit_index": edit} if where == "index" else {"edit_manifest": edit}))
    return str(archive.write_dir(directory / "layout"))
