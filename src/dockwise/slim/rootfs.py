"""The source image's final file system, with contents: `docker export` of a created (never started) container,
spooled to a temporary file and indexed once; symlinks are resolved by dockwise.image.filesystem.FileSystem.

`docker export` adds what the engine's init layer puts into every container (empty /etc/hosts, /etc/hostname,
/etc/resolv.conf, /.dockerenv, /dev and the /proc and /sys mount points); those are dropped here, since the engine
provides them again in every container of the slim image.
"""

from __future__ import annotations

import contextlib
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.image.filesystem import FileSystem
from dockwise.image.layer_index import FILE, HARDLINK, SYMLINK, Entry, LayerIndex, entry_kind

INIT_LAYER = frozenset({".dockerenv", "etc/hosts", "etc/hostname", "etc/resolv.conf", "etc/mtab", "dev", "proc", "sys"})


@dataclass
class RootFS:
    """Paths are relative to the image root, without a leading slash (as in FileSystem)."""

    fs: FileSystem
    members: dict[str, tarfile.TarInfo]
    tar: tarfile.TarFile

    @classmethod
    def from_tar(cls, tar: tarfile.TarFile) -> RootFS:
        """Index a flattened file system tar (seekable, left open: contents are read from it on demand)."""
        members: dict[str, tarfile.TarInfo] = {}
        entries: list[Entry] = []
        for member in tar:
            path = _clean(member.name)
            if not path or path in INIT_LAYER or path.split("/", 1)[0] in ("dev", "proc", "sys"):
                continue
            members[path] = member
            link = _clean(member.linkname) if member.islnk() else member.linkname if member.issym() else ""
            entries.append(
                Entry(
                    path,
                    entry_kind(member),
                    member.mode,
                    member.uid,
                    member.gid,
                    member.size if member.isreg() else 0,
                    link,
                )
            )
        return cls(FileSystem.apply([LayerIndex(entries=entries)]), members, tar)

    def resolve(self, path: str) -> str | None:
        """The visible image path that `path` (absolute or relative to the root) reaches through symlinks."""
        return self.fs.resolve(path.lstrip("/"))

    def kind(self, path: str) -> str | None:
        node = self.fs.nodes.get(path)
        return node.entry.kind if node is not None else ("d" if self.fs.listdir(path) else None)

    def is_file(self, path: str) -> bool:
        return self.kind(path) in (FILE, HARDLINK)

    def size(self, path: str) -> int:
        member = self.members.get(path)
        return member.size if member is not None and (member.isreg() or member.islnk()) else 0

    def read(self, path: str, limit: int | None = None) -> bytes:
        member = self.members[path]
        handle = self.tar.extractfile(member) if member.isreg() or member.islnk() else None
        if handle is None:
            raise DockwiseError(
                f"/{path} in the image is not a regular file, and slim needs its bytes",
                "check what the image holds there (`dockwise inspect IMAGE`)",
                exit_code=EXIT_USAGE,
            )
        with handle:
            return handle.read() if limit is None else handle.read(limit)

    def read_text(self, path: str) -> str | None:
        target = self.resolve(path)
        if target is None or not self.is_file(target):
            return None
        return self.read(target).decode("utf-8", "replace")

    def listdir(self, path: str) -> list[str]:
        return self.fs.listdir(path)

    def walk(self, path: str) -> Iterator[str]:
        """Every visible path strictly below `path` ('' is the root)."""
        return (node.entry.path for node in self.fs.under(path))

    def symlink_chain(self, path: str) -> list[str]:
        """The symlinks met while resolving `path`, each as an image path (the links a kept path needs)."""
        links: list[str] = []
        parts = [p for p in path.strip("/").split("/") if p not in ("", ".")]
        resolved: list[str] = []
        hops = 0
        while parts and hops < 40:
            part = parts.pop(0)
            if part == "..":
                if resolved:
                    resolved.pop()
                continue
            candidate = "/".join([*resolved, part])
            node = self.fs.nodes.get(candidate)
            if node is not None and node.entry.kind == SYMLINK:
                hops += 1
                links.append(candidate)
                if node.entry.link.startswith("/"):
                    resolved = []
                parts = [p for p in node.entry.link.split("/") if p not in ("", ".")] + parts
                continue
            resolved.append(part)
        return links


def _clean(name: str) -> str:
    return name.removeprefix("./").strip("/")


@contextlib.contextmanager
def exported(client, image: str, labels: dict[str, str]) -> Iterator[RootFS]:
    """The final file system of `image` for the duration of the block (the spool file is removed after)."""
    from docker.errors import DockerException

    from dockwise.engine import containers

    with tempfile.TemporaryFile(prefix="dockwise-slim-export-") as spool:
        container = client.containers.create(image, labels=labels, entrypoint=["/"], command=[])
        try:
            for chunk in container.export():
                spool.write(chunk)
        except DockerException as exc:
            raise DockwiseError(f"exporting {image} failed ({str(exc)[:160]})", "check `dockwise doctor`") from None
        finally:
            containers.remove(container)
        spool.seek(0)
        with tarfile.open(fileobj=spool, mode="r:") as tar:
            yield RootFS.from_tar(tar)
