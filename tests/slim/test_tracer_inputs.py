"""What a traced run copies into its volumes: the strace bundle, the audit hook and the output directory's mode."""

from __future__ import annotations

import io
import tarfile
from importlib.resources import files
from pathlib import Path

from dockwise.slim.tracer import HOOK_MOUNT, OUTPUT_MOUNT, TRACER_MOUNT, Tracer, _inputs_archive


def _bundle(root: Path) -> Tracer:
    (root / "bin").mkdir(parents=True)
    (root / "lib").mkdir()
    (root / "bin" / "strace").write_bytes(b"\x7fELF strace")
    (root / "lib" / "ld-linux-x86-64.so.2").write_bytes(b"\x7fELF loader")
    (root / "loader").write_text("ld-linux-x86-64.so.2\n")
    for path in (root, root / "bin", root / "lib", root / "bin" / "strace", root / "lib" / "ld-linux-x86-64.so.2"):
        path.chmod(0o755)
    return Tracer(root)


def test_the_inputs_are_root_owned_and_only_the_output_is_writable(tmp_path: Path) -> None:
    tracer = _bundle(tmp_path / "bundle")
    with tarfile.open(fileobj=io.BytesIO(_inputs_archive(tracer))) as archive:
        members = {member.name: member for member in archive.getmembers()}
        hook = archive.extractfile(members[f"{HOOK_MOUNT[1:]}/sitecustomize.py"])
        assert hook is not None and hook.read() == (files("dockwise.slim") / "audit_hook.py").read_bytes()
        strace = archive.extractfile(members[f"{TRACER_MOUNT[1:]}/bin/strace"])
        assert strace is not None and strace.read() == b"\x7fELF strace"
    assert tracer.command("-V")[0] == f"{TRACER_MOUNT}/lib/ld-linux-x86-64.so.2"
    assert all(m.uid == 0 and m.gid == 0 for m in members.values())
    assert members[OUTPUT_MOUNT[1:]].isdir() and members[OUTPUT_MOUNT[1:]].mode == 0o777
    assert members[HOOK_MOUNT[1:]].mode == 0o755 and members[f"{HOOK_MOUNT[1:]}/sitecustomize.py"].mode == 0o644
    assert {name for name, m in members.items() if m.mode & 0o002} == {OUTPUT_MOUNT[1:]}
    assert {name.split("/", 1)[0] for name in members} == {TRACER_MOUNT[1:], HOOK_MOUNT[1:], OUTPUT_MOUNT[1:]}
