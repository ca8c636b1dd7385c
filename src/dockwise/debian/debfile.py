"""Reading .deb files with python-debian: the data tar, the control paragraph and md5sums (never the scripts)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from debian.debfile import DebError, DebFile

from dockwise.core.errors import DockwiseError
from dockwise.debian.tar_tree import Tree


@dataclass(frozen=True)
class DebMeta:
    """What a dpkg database needs to know about a package: its control paragraph and file checksums."""

    name: str
    control: str
    md5sums: bytes


def _open(path: Path) -> DebFile:
    try:
        return DebFile(str(path))
    except (DebError, OSError, ValueError) as exc:
        raise DockwiseError(
            f"{path} is not a readable .deb ({exc})", f"delete {path} so it is downloaded again"
        ) from None


def deb_meta(path: Path) -> DebMeta:
    deb = _open(path)
    control = deb.control.get_content("control", encoding="utf-8") or ""
    md5sums = deb.control.get_content("md5sums") if deb.control.has_file("md5sums") else b""
    deb.close()
    name = next(line.split(":", 1)[1].strip() for line in control.splitlines() if line.startswith("Package:"))
    return DebMeta(name, control.rstrip("\n") + "\n", md5sums or b"")


def add_data(tree: Tree, path: Path, rename: Callable[[str], str | None] = lambda p: p) -> None:
    """Unpack the package's data.tar into `tree`; maintainer scripts are never run."""
    deb = _open(path)
    try:
        tree.add_tar(deb.data.tgz(), rename)
    finally:
        deb.close()
