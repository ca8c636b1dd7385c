"""Deterministic layer tars: a path-keyed tree of entries written sorted, with clamped mtimes and numeric owners.

Two builds from the same inputs give byte-identical tars, so the same diff_ids and the same image ID.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from dockwise.image.archive_writer import Layer

FILE, DIR, SYMLINK = "file", "dir", "symlink"


@dataclass(frozen=True)
class Entry:
    """One path in a layer. Hard links are stored as regular files (their bytes copied), so order never matters."""

    path: str  # relative, no leading "./" or "/", no trailing "/"
    kind: str
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    mtime: int = 0
    data: bytes = b""
    target: str = ""  # symlink target


def clean_path(name: str) -> str:
    """A tar member name as a canonical relative path ("./usr/bin/" -> "usr/bin"); "" for the root itself."""
    path = posixpath.normpath("/" + name).lstrip("/")
    return "" if path == "." else path


class Tree:
    """The content of one layer, keyed by path; a later entry for a path replaces an earlier one."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}

    def add(self, entry: Entry, override: bool = False) -> None:
        """Add `entry` (and any missing parent directories). A directory already present keeps its metadata
        unless `override`: many packages ship the same directories, the first one's owner and mode stay."""
        if not entry.path:
            return
        parent = posixpath.dirname(entry.path)
        if parent and parent not in self.entries:
            self.add(Entry(parent, DIR, 0o755, mtime=entry.mtime))
        existing = self.entries.get(entry.path)
        if not override and existing is not None and existing.kind == DIR and entry.kind == DIR:
            return
        self.entries[entry.path] = entry

    def remove(self, predicate: Callable[[str], bool]) -> None:
        for path in [p for p in self.entries if predicate(p)]:
            del self.entries[path]

    def add_tar(self, archive: tarfile.TarFile, rename: Callable[[str], str | None] = lambda p: p) -> None:
        """Copy regular files, directories, symlinks and hard links (as copies) from `archive`.

        `rename` maps each member path to where it goes, or None to drop it. Device nodes and FIFOs are dropped:
        the engine provides /dev at run time.
        """
        hardlinks: list[tuple[str, str, tarfile.TarInfo]] = []
        for member in archive:
            path = rename(clean_path(member.name))
            if not path:
                continue
            base = Entry(path, FILE, member.mode & 0o7777, member.uid, member.gid, int(member.mtime))
            if member.isdir():
                self.add(replace(base, kind=DIR))
            elif member.issym():
                self.add(replace(base, kind=SYMLINK, target=member.linkname))
            elif member.islnk():
                hardlinks.append((path, clean_path(member.linkname), member))
            elif member.isreg():
                handle = archive.extractfile(member)
                self.add(replace(base, data=handle.read() if handle else b""))
        for path, source, member in hardlinks:
            origin = self.entries.get(rename(source) or "")
            if origin is not None and origin.kind == FILE:
                self.add(replace(origin, path=path, mode=member.mode & 0o7777))

    def write(self, out: Path, epoch: int) -> Layer:
        """Write the tree as a sorted tar with mtimes clamped to `epoch`; return its diff_id."""
        with tarfile.open(out, mode="w", format=tarfile.PAX_FORMAT) as archive:
            for path in sorted(self.entries):
                entry = self.entries[path]
                info = tarfile.TarInfo(path)
                info.mode = entry.mode
                info.uid, info.gid = entry.uid, entry.gid
                info.uname = info.gname = ""
                info.mtime = min(entry.mtime, epoch)
                if entry.kind == DIR:
                    info.type = tarfile.DIRTYPE
                    archive.addfile(info)
                elif entry.kind == SYMLINK:
                    info.type = tarfile.SYMTYPE
                    info.linkname = entry.target
                    archive.addfile(info)
                else:
                    info.size = len(entry.data)
                    archive.addfile(info, io.BytesIO(entry.data))
        digest = hashlib.sha256()
        with out.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return Layer(out, "sha256:" + digest.hexdigest(), out.stat().st_size)
