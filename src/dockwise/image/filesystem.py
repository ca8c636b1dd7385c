"""The final filesystem view: layers applied in order with whiteouts and opaque directories (OCI layer.md).

While applying, every file copy that ends up invisible (overwritten, deleted by a whiteout, hidden by an opaque
directory) is recorded as reclaimable waste, attributed to the layer that stores the bytes and the layer that hid them.

The directory tree holds each path component once (a `_Place` per path, children by name), so memory and time are
linear in the total length of the entry paths: a path N components deep costs N small objects, not N ancestor
strings of up to N components each, and resolving a long symlink walks the tree instead of re-joining the path.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from dockwise.core.errors import EXIT_USAGE, DockwiseError
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
PATH_MAX = 4096
"""Linux's limits: a path given to a system call, or a symlink's target, is shorter than PATH_MAX bytes, and
resolving one follows at most 40 symlinks. A longer path or target does not resolve (ENAMETOOLONG, ELOOP)."""


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


class _Place:
    """One path of the tree: the entry visible there (None for a directory only implied by deeper entries), the
    layer that made the place, and its children by name. `live` turns False when the place is removed."""

    __slots__ = ("children", "layer", "live", "node")

    def __init__(self, layer: int) -> None:
        self.children: dict[str, _Place] | None = None
        self.layer = layer
        self.live = True
        self.node: Node | None = None

    def child(self, name: str) -> _Place | None:
        return self.children.get(name) if self.children else None

    def add(self, name: str, layer: int) -> _Place:
        if self.children is None:
            self.children = {}
        place = self.children[name] = _Place(layer)
        return place


class FileSystem:
    """The merged view. Built once by `apply`; read-only afterwards."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.hidden: list[Hidden] = []
        self.captured: dict[str, bytes] = {}
        self.private_keys: list[str] = []
        self._root = _Place(0)
        self._directories: dict[str, _Place] = {"": self._root}  # entries' parent paths: most lookups are one step

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
            place = self._find(entry.path)
            for name, child in list(place.children.items()) if place is not None and place.children else ():
                if (child.node.layer if child.node is not None else child.layer) < layer:
                    self._remove(f"{entry.path}/{name}" if entry.path else name, layer, "deleted")
            return
        if entry.kind == HARDLINK:
            self._check_link_target(entry, layer)
        place = self._find(entry.path)
        if place is not None and not (entry.kind == DIR and (place.node is None or place.node.entry.kind == DIR)):
            self._remove(entry.path, layer, "overwritten")
            place = None
        if place is None:
            place = self._make(entry.path, layer)
        node = place.node = Node(entry, layer)
        self.nodes[entry.path] = node

    def _check_link_target(self, entry: Entry, layer: int) -> None:
        target = self.nodes.get(entry.link)
        if target is None or target.entry.kind == DIR:
            raise DockwiseError(
                f"layer {layer + 1}: hard link {entry.path[:120]!r} names {entry.link[:120]!r}, which no earlier "
                "entry provides as a file",
                "the layer cannot be unpacked by an engine; rebuild the image",
                exit_code=EXIT_USAGE,
            )

    def _find(self, path: str) -> _Place | None:
        """The place of `path`, or None."""
        if not path:
            return self._root
        parent, _, name = path.rpartition("/")
        directory = self._directories.get(parent)
        if directory is None or not directory.live:
            directory = self._root
            for part in parent.split("/") if parent else ():
                child = directory.child(part)
                if child is None:
                    return None
                directory = child
        return directory.child(name)

    def _make(self, path: str, layer: int) -> _Place:
        """The place of `path`, made (with any missing directory above it) in `layer` if needed."""
        parent, _, name = path.rpartition("/")
        directory = self._directories.get(parent)
        if directory is None or not directory.live:
            directory = self._root
            for part in parent.split("/") if parent else ():
                directory = directory.child(part) or directory.add(part, layer)
            self._directories[parent] = directory
        return directory.child(name) or directory.add(name, layer)

    def _remove(self, path: str, layer: int, reason: str) -> None:
        parent, _, name = path.rpartition("/")
        directory = self._find(parent) if path else None
        place = directory.child(name) if directory is not None else None
        if place is None or directory is None or directory.children is None:
            return
        del directory.children[name]
        stack = [place]
        while stack:
            current = stack.pop()
            current.live = False
            node = current.node
            if node is not None:
                self.nodes.pop(node.entry.path, None)
                if node.entry.kind == FILE and node.entry.size:
                    self.hidden.append(Hidden(node.entry.path, node.entry.size, node.layer, layer, reason))
            if current.children:
                stack.extend(current.children.values())

    def files(self) -> Iterator[Node]:
        return (node for node in self.nodes.values() if node.entry.kind in (FILE, HARDLINK))

    def under(self, directory: str) -> Iterator[Node]:
        """Every visible node strictly below `directory` ('' is the root)."""
        place = self._find(directory)
        stack = list(place.children.values()) if place is not None and place.children else []
        while stack:
            current = stack.pop()
            if current.node is not None:
                yield current.node
            if current.children:
                stack.extend(current.children.values())

    def listdir(self, directory: str) -> list[str]:
        place = self._find(directory)
        return sorted(place.children) if place is not None and place.children else []

    def resolve(self, path: str) -> str | None:
        """Follow symlinks inside the image (an absolute target is relative to the image root; '..' stops at
        the root, as in a chroot). Returns the visible path it names, or None (missing, a symlink loop, or a path
        or target too long for the kernel)."""
        if len(path) >= PATH_MAX:
            return None
        trail: list[_Place] = [self._root]
        names: list[str] = []
        parts = deque(path.split("/"))
        hops = 0
        while parts:
            part = parts.popleft()
            if part in ("", "."):
                continue
            if part == "..":
                if names:
                    names.pop()
                    trail.pop()
                continue
            child = trail[-1].child(part)
            if child is None:
                return None
            node = child.node
            if node is not None and node.entry.kind == SYMLINK:
                hops += 1
                if hops > MAX_SYMLINK_HOPS or len(node.entry.link) >= PATH_MAX:
                    return None
                if node.entry.link.startswith("/"):
                    del trail[1:], names[:]
                parts.extendleft(reversed(node.entry.link.split("/")))
                continue
            trail.append(child)
            names.append(part)
        return "/".join(names)

    def exists(self, path: str) -> bool:
        return self.resolve(path) is not None

    def is_file(self, path: str) -> bool:
        target = self.resolve(path)
        node = self.nodes.get(target) if target is not None else None
        return node is not None and node.entry.kind in (FILE, HARDLINK)
