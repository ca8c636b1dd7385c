"""Small real artefacts for the hermetic slim tests: ELF files built byte by byte, file systems as tars."""

from __future__ import annotations

import io
import struct
import tarfile

from dockwise.slim.rootfs import RootFS
from dockwise.slim.trace import ProcessTrace, Syscall, Trace

BASE = 0x400000


def make_elf(
    needed: tuple[str, ...] = (),
    *,
    interpreter: str | None = None,
    runpath: str | None = None,
    soname: str | None = None,
    big_endian: bool = False,
) -> bytes:
    """A minimal ELF64 shared object: one PT_LOAD over the whole file, PT_INTERP if asked, PT_DYNAMIC."""
    end = ">" if big_endian else "<"
    strtab = b"\0"
    offsets = {}
    for name in (*needed, runpath, soname):
        if name and name not in offsets:
            offsets[name] = len(strtab)
            strtab += name.encode() + b"\0"
    phnum = 2 + (1 if interpreter else 0)
    header_size, ph_size = 64, 56
    strtab_offset = header_size + ph_size * phnum
    interp_bytes = interpreter.encode() + b"\0" if interpreter else b""
    interp_offset = strtab_offset + len(strtab)
    dynamic_offset = interp_offset + len(interp_bytes)
    entries = [(1, offsets[n]) for n in needed]
    if runpath:
        entries.append((29, offsets[runpath]))
    if soname:
        entries.append((14, offsets[soname]))
    entries += [(5, BASE + strtab_offset), (10, len(strtab)), (0, 0)]
    dynamic = b"".join(struct.pack(end + "qQ", tag, value) for tag, value in entries)
    total = dynamic_offset + len(dynamic)
    ident = b"\x7fELF" + bytes([2, 2 if big_endian else 1, 1, 0]) + bytes(8)
    header = ident + struct.pack(
        end + "HHIQQQIHHHHHH", 3, 62, 1, 0, header_size, 0, 0, header_size, ph_size, phnum, 0, 0, 0
    )
    phdrs = struct.pack(end + "IIQQQQQQ", 1, 5, 0, BASE, BASE, total, total, 0x1000)
    if interpreter:
        phdrs += struct.pack(
            end + "IIQQQQQQ",
            3,
            4,
            interp_offset,
            BASE + interp_offset,
            BASE + interp_offset,
            len(interp_bytes),
            len(interp_bytes),
            1,
        )
    phdrs += struct.pack(
        end + "IIQQQQQQ",
        2,
        6,
        dynamic_offset,
        BASE + dynamic_offset,
        BASE + dynamic_offset,
        len(dynamic),
        len(dynamic),
        8,
    )
    return header + phdrs + strtab + interp_bytes + dynamic


def make_rootfs(tree: dict[str, bytes | str | None], mtimes: dict[str, int] | None = None) -> RootFS:
    """A RootFS from {path: bytes (a file) | "->target" (a symlink) | None (a directory)}; parents are implied."""
    buffer = io.BytesIO()
    mtimes = mtimes or {}
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        seen: set[str] = set()
        for path in sorted(tree):
            parts = path.split("/")
            for depth in range(1, len(parts)):
                parent = "/".join(parts[:depth])
                if parent not in seen and parent not in tree:
                    seen.add(parent)
                    info = tarfile.TarInfo(parent)
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
            value = tree[path]
            info = tarfile.TarInfo(path)
            info.mtime = mtimes.get(path, 1_700_000_000)
            if value is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            elif isinstance(value, str):
                info.type, info.linkname, info.mode = tarfile.SYMTYPE, value.removeprefix("->"), 0o777
                tar.addfile(info)
            else:
                info.size, info.mode = len(value), 0o755 if value[:4] == b"\x7fELF" else 0o644
                tar.addfile(info, io.BytesIO(value))
            seen.add(path)
    buffer.seek(0)
    return RootFS.from_tar(tarfile.open(fileobj=buffer, mode="r:"))


def opened(*paths: str, pid: int = 10) -> ProcessTrace:
    """One process that opened `paths` and exited."""
    calls = tuple(Syscall(pid, "openat", (path,), "3", None) for path in paths)
    return ProcessTrace(pid, calls, (), (), "exited with 0")


def trace_of(*processes: ProcessTrace, python=(), events=(), exits=None, mapped=()) -> Trace:
    return Trace(tuple(processes), tuple(python), tuple(events), exits or {}, tuple(mapped), frozenset({1}))
