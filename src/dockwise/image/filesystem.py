"""The final filesystem view: layers applied in order with whiteouts and opaque directories (OCI layer.md).

While applying, every file copy that ends up invisible (overwritten, deleted by a whiteout, hidden by an opaque
directory) is recorded as reclaimable waste, attributed to the layer that stores the bytes and the layer that hid them.
"""

from __future__ import annotations

import posixpath
from collections import deque
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from dockwise.image.layer_index import (
    DIR,
    FILE,
    HARDLINK,
    OPAQUE_DIR,
    SYMLINK,
    WHITEOUT,
    Entry,
    LayerIndex,
)

MAX_SYMLINK_HOPS = 40


class Node(NamedTuple):
    """A visible entry and the (0-based) layer it came from (a NamedTuple: one per entry)."""

    entry: Entry
    layer: int


class Hidden(NamedTuple):
    """A file copy stored in `layer` that `hidden_by` made invisible: its bytes are reclaimable."""

    path: str
    size: int
    layer: int
    hidden_by: int
    reason: str  # "overwritten" or "deleted"


class FileSystem:
    """The merged view. Built once by `apply`; read-only afterwards."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self._children: dict[str, set[str]] = {}
        self.hidden: list[Hidden] = []
        self.captured: dict[str, bytes] = {}
        self.private_keys: list[str] = []

    @classmethod
    def apply(cls, layers: Iterable[LayerIndex]) -> FileSystem:
        fs = cls()
        key_candidates: set[str] = set()
        for number, layer in enumerate(layers):
            for entry in layer.entries:
                fs._apply(entry, number)
            fs.captured.update(layer.captured)
            key_candidates.update(layer.private_keys)
        fs.captured = {path: data for path, data in fs.captured.items() if path in fs.nodes}
        fs.private_keys = sorted(path for path in key_candidates if path in fs.nodes)
        return fs

    def _apply(self, entry: Entry, layer: int) -> None:
        if entry.kind == WHITEOUT:
            self._remove(entry.path, layer, "deleted")
            return
        if entry.kind == OPAQUE_DIR:
            for child in list(self._children.get(entry.path, ())):
                node = self.nodes.get(child)
                if node is None or node.layer < layer:
                    self._remove(child, layer, "deleted")
            return
        old = self.nodes.get(entry.path)
        if old is not None and not (old.entry.kind == DIR and entry.kind == DIR):
            self._remove(entry.path, layer, "overwritten")
        self.nodes[entry.path] = Node(entry, layer)
        self._link(entry.path)

    def _link(self, path: str) -> None:
        while path:
            parent = path.rpartition("/")[0]
            siblings = self._children.setdefault(parent, set())
            if path in siblings:
                return
            siblings.add(path)
            path = parent

    def _remove(self, path: str, layer: int, reason: str) -> None:
        self._children.get(path.rpartition("/")[0], set()).discard(path)
        stack = [path]
        while stack:
            current = stack.pop()
            node = self.nodes.pop(current, None)
            if node is not None and node.entry.kind == FILE and node.entry.size:
                self.hidden.append(Hidden(current, node.entry.size, node.layer, layer, reason))
            stack.extend(self._children.pop(current, ()))

    def files(self) -> Iterator[Node]:
        return (node for node in self.nodes.values() if node.entry.kind in (FILE, HARDLINK))

    def under(self, directory: str) -> Iterator[Node]:
        """Every visible node strictly below `directory` ('' is the root)."""
        stack = list(self._children.get(directory, ()))
        while stack:
            current = stack.pop()
            node = self.nodes.get(current)
            if node is not None:
                yield node
            stack.extend(self._children.get(current, ()))

    def listdir(self, directory: str) -> list[str]:
        return sorted(posixpath.basename(p) for p in self._children.get(directory, ()) if p in self.nodes or p in self._children)

    def resolve(self, path: str) -> str | None:
        """Follow symlinks inside the image (an absolute target is relative to the image root; '..' stops at
        the root, as in a chroot). Returns the visible path it names, or None (missing, or a symlink loop)."""
        resolved: list[str] = []
        queue = deque(path.split("/"))
        hops = 0
        while queue:
            part = queue.popleft()
            if part in ("", "."):
                continue
            if part == "..":
                if resolved:
                    resolved.pop()
                continue
            candidate = "/".join([*resolved, part])
            node = self.nodes.get(candidate)
            if node is not None and node.entry.kind == SYMLINK:
                hops += 1
                if hops > MAX_SYMLINK_HOPS:
                    return None
                if node.entry.link.startswith("/"):
                    resolved = []
                queue.extendleft(reversed(node.entry.link.split("/")))
                continue
            resolved.append(part)
        final = "/".join(resolved)
        return final if final in self.nodes or final in self._children else None

    def exists(self, path: str) -> bool:
        return self.resolve(path) is not None

    def is_file(self, path: str) -> bool:
        target = self.resolve(path)
        node = self.nodes.get(target) if target is not None else None
        return node is not None and node.entry.kind in (FILE, HARDLINK)
