"""ELF dynamic-linking facts read on the host, in Python: the program interpreter (PT_INTERP) and the dynamic
section's DT_NEEDED, DT_SONAME, DT_RPATH and DT_RUNPATH; and where the dynamic loader would find each needed library
inside an image (glibc's order: RPATH, LD_LIBRARY_PATH, RUNPATH, then the ld.so.conf and default directories).

Only the program headers are read (the section headers may be stripped). ELF32/ELF64, either byte order.
"""

from __future__ import annotations

import posixpath
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass

ELF_MAGIC = b"\x7fELF"
PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
DT_NULL, DT_NEEDED, DT_STRTAB, DT_STRSZ, DT_SONAME, DT_RPATH, DT_RUNPATH = 0, 1, 5, 10, 14, 15, 29
# What glibc searches after the cache on a Debian multiarch system (trusted directories first).
DEFAULT_LIBRARY_DIRS = (
    "lib/x86_64-linux-gnu",
    "usr/lib/x86_64-linux-gnu",
    "lib64",
    "usr/lib64",
    "lib",
    "usr/lib",
)


class ElfError(ValueError):
    """The file starts like an ELF file but its headers do not hold together."""


@dataclass(frozen=True)
class ElfInfo:
    interpreter: str | None
    needed: tuple[str, ...]
    soname: str | None
    rpath: tuple[str, ...]
    runpath: tuple[str, ...]


def is_elf(head: bytes) -> bool:
    return head[:4] == ELF_MAGIC


def read_elf(data: bytes) -> ElfInfo:
    """The dynamic-linking facts of one ELF file (a static executable has none: empty `needed`, no interpreter)."""
    if not is_elf(data) or len(data) < 52:
        raise ElfError("not an ELF file")
    elf_class, order = data[4], data[5]
    if elf_class not in (1, 2) or order not in (1, 2):
        raise ElfError(f"unknown ELF class {elf_class} or byte order {order}")
    end = "<" if order == 1 else ">"
    wide = elf_class == 2
    if wide:
        (phoff,) = _unpack(end + "Q", data, 32)
        phentsize, phnum = _unpack(end + "HH", data, 54)
        ph_format = end + "IIQQQQQQ"  # type, flags, offset, vaddr, paddr, filesz, memsz, align
    else:
        (phoff,) = _unpack(end + "I", data, 28)
        phentsize, phnum = _unpack(end + "HH", data, 42)
        ph_format = end + "IIIIIIII"  # type, offset, vaddr, paddr, filesz, memsz, flags, align
    if phentsize < struct.calcsize(ph_format) and phnum:
        raise ElfError(f"program header entries of {phentsize} bytes are too small")
    loads: list[tuple[int, int, int]] = []  # (vaddr, offset, filesz)
    interpreter: str | None = None
    dynamic: tuple[int, int] | None = None
    for index in range(phnum):
        fields = _unpack(ph_format, data, phoff + index * phentsize)
        if wide:
            p_type, _flags, offset, vaddr, _paddr, filesz = fields[:6]
        else:
            p_type, offset, vaddr, _paddr, filesz = fields[:5]
        if p_type == PT_LOAD:
            loads.append((vaddr, offset, filesz))
        elif p_type == PT_INTERP:
            interpreter = _bounded(data, offset, filesz).split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        elif p_type == PT_DYNAMIC:
            dynamic = (offset, filesz)
    if dynamic is None:
        return ElfInfo(interpreter, (), None, (), ())
    entries = _dynamic_entries(data, dynamic, end + ("qQ" if wide else "iI"))
    strtab = next((value for tag, value in entries if tag == DT_STRTAB), None)
    if strtab is None:
        raise ElfError("dynamic section without DT_STRTAB")
    table_offset = _file_offset(strtab, loads)

    def string(offset: int) -> str:
        start = table_offset + offset
        if not 0 <= start < len(data):
            raise ElfError("dynamic string outside the file")
        stop = data.find(b"\0", start)
        return data[start : stop if stop >= 0 else len(data)].decode("utf-8", "surrogateescape")

    def paths(tag: int) -> tuple[str, ...]:
        return tuple(part for tag_, value in entries if tag_ == tag for part in string(value).split(":") if part)

    soname = next((string(value) for tag, value in entries if tag == DT_SONAME), None)
    needed = tuple(string(value) for tag, value in entries if tag == DT_NEEDED)
    return ElfInfo(interpreter, needed, soname, paths(DT_RPATH), paths(DT_RUNPATH))


def exec_interpreter(data: bytes) -> str | None:
    """What the kernel also loads when it executes this file: a script's `#!` program, an ELF file's PT_INTERP."""
    if data[:2] == b"#!":
        words = data[2:].split(b"\n", 1)[0].split()
        return words[0].decode("utf-8", "surrogateescape") if words else None
    if is_elf(data):
        try:
            return read_elf(data).interpreter
        except ElfError:
            return None
    return None


def _unpack(fmt: str, data: bytes, offset: int) -> tuple:
    if offset < 0 or offset + struct.calcsize(fmt) > len(data):
        raise ElfError("header outside the file")
    return struct.unpack_from(fmt, data, offset)


def _bounded(data: bytes, offset: int, size: int) -> bytes:
    if offset < 0 or size < 0 or offset + size > len(data):
        raise ElfError("segment outside the file")
    return data[offset : offset + size]


def _dynamic_entries(data: bytes, where: tuple[int, int], fmt: str) -> list[tuple[int, int]]:
    offset, size = where
    block = _bounded(data, offset, size)
    step = struct.calcsize(fmt)
    entries = []
    for position in range(0, len(block) - step + 1, step):
        tag, value = struct.unpack_from(fmt, block, position)
        if tag == DT_NULL:
            break
        entries.append((tag, value))
    return entries


def _file_offset(vaddr: int, loads: list[tuple[int, int, int]]) -> int:
    for start, offset, filesz in loads:
        if start <= vaddr < start + filesz:
            return vaddr - start + offset
    raise ElfError("DT_STRTAB is in no loaded segment")


@dataclass(frozen=True)
class LibrarySearch:
    """Where the loader looks for a needed library inside the image (paths relative to the image root)."""

    ld_library_path: tuple[str, ...]
    configured_dirs: tuple[str, ...]

    def find(self, name: str, origin: str, info: ElfInfo, exists: Callable[[str], bool]) -> str | None:
        """The image path the loader would open for DT_NEEDED `name` of the object at `origin`, or None."""
        if "/" in name:
            candidate = posixpath.normpath(name.lstrip("/")) if name.startswith("/") else posixpath.join(origin, name)
            return candidate if exists(candidate) else None
        dirs: list[str] = []
        if not info.runpath:
            dirs += _expand(info.rpath, origin)
        dirs += self.ld_library_path
        dirs += _expand(info.runpath, origin)
        dirs += self.configured_dirs
        dirs += DEFAULT_LIBRARY_DIRS
        for directory in dict.fromkeys(dirs):
            candidate = posixpath.join(directory, name)
            if exists(candidate):
                return candidate
        return None


def _expand(entries: Iterable[str], origin: str) -> list[str]:
    """RPATH/RUNPATH entries as image paths; $ORIGIN is the object's directory ($LIB and $PLATFORM are not)."""
    expanded = []
    for entry in entries:
        entry = entry.replace("${ORIGIN}", "/" + origin).replace("$ORIGIN", "/" + origin)
        if "$" in entry:
            continue
        if entry.startswith("/"):  # a relative entry is relative to the process's working directory: unknowable here
            expanded.append(posixpath.normpath(entry).lstrip("/"))
    return expanded


def ld_so_conf_dirs(read_text: Callable[[str], str | None], list_dir: Callable[[str], list[str]]) -> tuple[str, ...]:
    """The directories /etc/ld.so.conf names, following its `include` globs (only `dir/*.conf` forms)."""
    found: list[str] = []

    def visit(path: str, depth: int) -> None:
        text = read_text(path)
        if text is None or depth > 8:
            return
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("include "):
                pattern = line.split(None, 1)[1].strip().lstrip("/")
                directory, _, glob = pattern.rpartition("/")
                suffix = glob.lstrip("*")
                for name in sorted(list_dir(directory)):
                    if glob == "*" or (glob.startswith("*") and name.endswith(suffix)) or name == glob:
                        visit(posixpath.join(directory, name), depth + 1)
            else:
                found.append(line.lstrip("/").rstrip("/"))

    visit("etc/ld.so.conf", 0)
    return tuple(dict.fromkeys(found))
