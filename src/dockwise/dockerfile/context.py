"""The build context: which files `docker build` sends, with `.dockerignore` read by Docker's own rules.

Patterns are Docker's (`dockwise.dockerfile.wildcards`): root-anchored (`*.pyc` is only the top level; `**/*.pyc`
is every level), `**`, and `!` exceptions where the last match wins — not gitignore's rules. BuildKit prefers
`<Dockerfile>.dockerignore` beside the Dockerfile over `<context>/.dockerignore`.

Symlinks follow BuildKit's rules: the walk never follows one (a link is sent as a link), a COPY/ADD source that is or
goes through a link is resolved inside the context (an absolute target or `..` never leaves the root, so a link to
`/etc` means `<context>/etc`), and nothing here ever opens a path the kernel would resolve through a link — no host
file is read whatever the context holds.

The walk is bounded (MAX_ENTRIES entries, WALK_SECONDS): past either, `truncated` says so and DW123 reports it.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from dockwise.dockerfile.wildcards import IgnoreMatcher, has_wildcards, source_glob

MAX_ENTRIES = 200_000
"""Entries walked at most; a context past this is reported as truncated (DW123) rather than walked for minutes."""
WALK_SECONDS = 5.0
"""Time the walk may take, whatever the entries cost (deep trees, slow disks, many patterns)."""
MAX_IGNORE_BYTES = 1024 * 1024
MAX_IGNORE_PATTERNS = 10_000
"""Bounds on `.dockerignore`: Docker has none, but matching every path against more costs minutes; past them the
file is not used (DW004 reports why) and every file counts as sent."""
MAX_LINK_HOPS = 255
"""Symlinks followed while resolving one COPY source (the bound BuildKit's resolver uses)."""
MAX_READ_BYTES = 200_000
"""How much of a context file (a requirements file, a script) a rule reads."""
READ_BUDGET = 32 * 1024 * 1024
"""Bytes of context files one lint run reads in all (each file once)."""
SELECT_BUDGET = 4_000_000
"""Entries that resolving COPY/ADD sources may look at and hand to rules in one lint run (10,000 `COPY . .` lines over
200,000 files would be 2 billion); past it sources select nothing and DW123 says the check is incomplete."""


class _Budget:
    """What one context's lookups may still spend (shared by every rule of one lint run)."""

    def __init__(self, amount: int) -> None:
        self.left = amount
        self.exhausted = False

    def spend(self, amount: int) -> bool:
        if amount > self.left:
            self.exhausted, self.left = True, 0
            return False
        self.left -= amount
        return True


@dataclass(frozen=True)
class BuildContext:
    """The files a build would send. Paths are slash-separated and relative to `root`, ignored ones excluded.

    `files` holds every entry that is not a directory (regular files and symlinks alike), `directories` every
    directory sent, `links` each sent symlink's target as written. `truncated` is why the walk stopped early (None:
    it saw everything).
    """

    root: Path
    ignore_file: Path | None
    patterns: tuple[str, ...]
    files: tuple[str, ...]
    truncated: str | None
    pattern_error: str | None = None
    unreadable: tuple[str, ...] = ()  # directories the walk could not list (BuildKit cannot send them either)
    directories: frozenset[str] = frozenset()
    links: Mapping[str, str] = field(default_factory=dict)
    # The mutable part: what the lookups and reads of this lint run may still spend, shared by every rule.
    budget: _Budget = field(default_factory=lambda: _Budget(SELECT_BUDGET), compare=False, repr=False)
    read_budget: _Budget = field(default_factory=lambda: _Budget(READ_BUDGET), compare=False, repr=False)

    @classmethod
    def load(cls, root: Path, dockerfile: Path | None = None) -> BuildContext:
        """Walk `root` (never following symlinks), skipping what the ignore file excludes."""
        ignore_file = _ignore_file(root, dockerfile)
        lines: tuple[str, ...] = ()
        matcher, error = None, None
        if ignore_file is not None:
            try:
                lines = _ignore_lines(root, ignore_file)
                matcher = IgnoreMatcher(lines)
            except ValueError as exc:
                error, lines = str(exc), ()
        walk = _Walk(root, matcher)
        walk.run()
        directories = {*walk.directories, *(f.rsplit("/", 1)[0] for f in walk.files if "/" in f)}
        return cls(
            root,
            ignore_file,
            lines,
            tuple(walk.files),
            walk.truncated,
            error,
            tuple(walk.unreadable),
            frozenset(_with_parents(directories)),
            MappingProxyType(walk.links),
        )

    @cached_property
    def _matcher(self) -> IgnoreMatcher | None:
        return IgnoreMatcher(self.patterns) if self.patterns else None

    def ignored(self, path: str) -> bool:
        """Whether the ignore file excludes `path` (relative to the root)."""
        path = "/".join(_parts(path))
        matcher = self._matcher
        return matcher is not None and path != "" and matcher.matches(path)

    def exists(self, source: str) -> bool:
        """Whether a COPY/ADD source (a path or a glob) names something on disk, sent or not."""
        if source not in self._on_disk:
            self._on_disk[source] = self._exists(source)
        return self._on_disk[source]

    @cached_property
    def _on_disk(self) -> dict[str, bool]:
        return {}

    def _exists(self, source: str) -> bool:
        parts = _parts(source)
        if not parts:
            return True
        if has_wildcards("/".join(parts)):
            return any(True for _ in _disk_glob(self.root, parts, self.budget))
        resolved = _resolve_on_disk(self.root, parts)
        return resolved is not None and _lstat(self.root, resolved) is not None

    @property
    def incomplete(self) -> bool:
        """Some COPY/ADD source was not resolved or some file not read: this run spent its budget."""
        return self.budget.exhausted or self.read_budget.exhausted

    def select(self, source: str) -> tuple[str, ...]:
        """The sent files a COPY/ADD source (a path or a glob, relative to the root) brings in (sorted)."""
        found = self._selected.get(source)
        if found is None:
            found = self._selected[source] = tuple(f for base in self._sources(source) for f in self._under(base))
        return found if self.budget.spend(len(found)) else ()  # what rules then go through is paid for too

    def sends(self, source: str) -> bool:
        """Whether the build has anything (a file, a link, a directory, even empty) for this COPY/ADD source; True
        when the run's budget no longer lets it look (unknown is never reported as missing)."""
        if source not in self._sent:
            self._sent[source] = any(base in self.directories or self._under(base) for base in self._sources(source))
        return self._sent[source] or self.budget.exhausted

    @cached_property
    def _sent(self) -> dict[str, bool]:
        return {}

    def find(self, path: str) -> str | None:
        """The first sent file, in walk order, that is `path` or has its file name (a requirements file or a script
        named in a RUN or CMD, wherever the COPY put it)."""
        exact = self._position.get(path.lstrip("./"))
        named = self._first_named.get(path.rsplit("/", 1)[-1])
        found = [i for i in (exact, named) if i is not None]
        return self.files[min(found)] if found else None

    @cached_property
    def _position(self) -> dict[str, int]:
        return {f: i for i, f in enumerate(self.files)}

    @cached_property
    def _first_named(self) -> dict[str, int]:
        first: dict[str, int] = {}
        for i, f in enumerate(self.files):
            first.setdefault(f.rsplit("/", 1)[-1], i)
        return first

    @cached_property
    def _selected(self) -> dict[str, tuple[str, ...]]:
        return {}

    @cached_property
    def _sorted(self) -> list[str]:
        """Files and directories in code-point order: everything under a path is one contiguous slice."""
        return sorted({*self.files, *self.directories})

    @cached_property
    def _file_set(self) -> frozenset[str]:
        return frozenset(self.files)

    def _range(self, prefix: str) -> list[str]:
        """The sorted entries that start with `prefix`, paid for from the budget."""
        entries = self._sorted
        low = bisect.bisect_left(entries, prefix) if prefix else 0
        # the first string past every one that starts with `prefix`: its last character, one code point up
        high = bisect.bisect_left(entries, prefix[:-1] + chr(ord(prefix[-1]) + 1)) if prefix else len(entries)
        return entries[low:high] if self.budget.spend(high - low) else []

    def read_text(self, path: str) -> str | None:
        """The start of a sent regular file (MAX_READ_BYTES), resolved as BuildKit would; None when it is not one
        (or the run has read all it may)."""
        if path in self._read:
            return self._read[path]
        resolved = self._resolve(_parts(path))
        text = None
        if resolved is not None and not self.read_budget.exhausted:
            try:
                with _open_in_root(self.root, resolved) as handle:
                    data = handle.read(MAX_READ_BYTES)
                    text = data.decode("utf-8", errors="replace") if self.read_budget.spend(len(data)) else None
            except OSError:
                pass
        self._read[path] = text
        return text

    @cached_property
    def _read(self) -> dict[str, str | None]:
        return {}

    def _sources(self, source: str) -> list[str]:
        """The context paths a source names, symlinks resolved ("" is the root). A glob is matched below its
        leading literal directories, themselves resolved first (`conf/*.ini` with `conf` a link)."""
        parts = _parts(source)
        lead = []
        for part in parts:
            if has_wildcards(part):
                break
            lead.append(part)
        base = self._resolve(lead)
        if base is None:
            return []
        rest = parts[len(lead) :]
        if not rest:
            return ["/".join(base)]
        glob = source_glob("/".join(rest))
        if glob is None:
            return []
        prefix = "/".join(base) + "/" if base else ""
        heads = dict.fromkeys(
            "/".join(entry[len(prefix) :].split("/")[: len(rest)])
            for entry in self._range(prefix)
            if entry[len(prefix) :].count("/") + 1 >= len(rest)
        )
        found = (self._resolve([*base, *head.split("/")]) for head in heads if glob.matches(head))
        return ["/".join(r) for r in found if r is not None]

    def _under(self, base: str) -> list[str]:
        """The sent files at `base` or below it."""
        if base == "":
            return list(self.files) if self.budget.spend(len(self.files)) else []
        below = [entry for entry in self._range(base + "/") if entry in self._file_set]
        return [base, *below] if base in self._file_set else below

    def _resolve(self, parts: list[str]) -> list[str] | None:
        """`parts` with every sent symlink on the way resolved inside the root; None for a loop."""
        return _resolve(parts, lambda path: self.links.get(path))


def _parts(path: str) -> list[str]:
    """A context-relative path as components: `.` dropped, `..` never above the root."""
    out: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if out:
                out.pop()
        else:
            out.append(part)
    return out


def _with_parents(directories: set[str]) -> set[str]:
    out = set()
    for directory in directories:
        while directory and directory not in out:
            out.add(directory)
            directory = directory.rpartition("/")[0]
    return out


def _resolve(parts: list[str], link_of: Callable[[str], str | None]) -> list[str] | None:
    pending = list(reversed(parts))
    done: list[str] = []
    hops = 0
    while pending:
        part = pending.pop()
        if part in ("", "."):
            continue
        if part == "..":
            if done:
                done.pop()
            continue
        target = link_of("/".join([*done, part]))
        if target is None:
            done.append(part)
            continue
        hops += 1
        if hops > MAX_LINK_HOPS:
            return None
        if target.startswith("/"):
            done = []
        pending.extend(reversed(target.split("/")))
    return done


def _lstat(root: Path, parts: list[str]) -> os.stat_result | None:
    """lstat of a path whose components are known not to be symlinks (or need not be: only metadata is read)."""
    try:
        return os.lstat(root.joinpath(*parts))
    except (OSError, ValueError):
        return None


def _resolve_on_disk(root: Path, parts: list[str]) -> list[str] | None:
    def link_of(path: str) -> str | None:
        info = _lstat(root, path.split("/"))
        if info is None or not stat.S_ISLNK(info.st_mode):
            return None
        try:
            return os.readlink(root.joinpath(*path.split("/")))
        except OSError:
            return None

    return _resolve(parts, link_of)


def _disk_glob(root: Path, parts: list[str], budget: _Budget) -> Iterator[str]:
    """On-disk paths (sent or not, links not followed) that a glob's components match, listed within `budget`."""
    level = [""]
    for depth, part in enumerate(parts):
        glob = source_glob(part) if has_wildcards(part) else None
        following = []
        for directory in level:
            if glob is None:
                candidate = f"{directory}/{part}" if directory else part
                if _lstat(root, candidate.split("/")) is not None:
                    following.append(candidate)
                continue
            try:
                with os.scandir(root.joinpath(*directory.split("/")) if directory else root) as entries:
                    for entry in entries:
                        if not budget.spend(1):
                            return
                        last = depth == len(parts) - 1
                        if glob.matches(entry.name) and (last or entry.is_dir(follow_symlinks=False)):
                            following.append(f"{directory}/{entry.name}" if directory else entry.name)
            except OSError:
                continue
        level = following
    yield from level


@contextlib.contextmanager
def _open_in_root(root: Path, parts: list[str]) -> Iterator:
    """Open a regular file below `root` one component at a time, never through a symlink (O_NOFOLLOW) and never
    waiting on a FIFO (O_NONBLOCK)."""
    if not parts:
        raise IsADirectoryError("the build context itself")
    flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW
    descriptors = [os.open(root, flags | os.O_DIRECTORY)]
    try:
        for part in parts[:-1]:
            descriptors.append(os.open(part, flags | os.O_DIRECTORY, dir_fd=descriptors[-1]))
        fd = os.open(parts[-1], flags | os.O_NONBLOCK, dir_fd=descriptors[-1])
        handle = os.fdopen(fd, "rb")
    finally:
        for descriptor in descriptors:
            os.close(descriptor)
    with handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(f"{'/'.join(parts)} is not a regular file")
        yield handle


def ignore_file_for(root: Path, dockerfile: Path | None) -> Path | None:
    """The ignore file BuildKit reads for `dockerfile` built in `root`."""
    return _ignore_file(root, dockerfile)


def _ignore_file(root: Path, dockerfile: Path | None) -> Path | None:
    candidates = []
    if dockerfile is not None:
        candidates.append(dockerfile.with_name(dockerfile.name + ".dockerignore"))
    candidates.append(root / ".dockerignore")
    return next((c for c in candidates if os.path.lexists(c)), None)


def _ignore_lines(root: Path, ignore_file: Path) -> tuple[str, ...]:
    """The ignore file's lines as Docker splits them (on `\\n`, a trailing `\\r` dropped, a UTF-8 BOM removed);
    ValueError for a file that is not a regular file inside the context, or too big to check."""
    parent, real_root = ignore_file.parent.resolve(), root.resolve()
    base, parts = parent, [ignore_file.name]
    if parent == real_root or real_root in parent.parents:  # inside the context: its symlinks stay inside too
        resolved = _resolve_on_disk(real_root, [*parent.relative_to(real_root).parts, ignore_file.name])
        if resolved is None:
            raise ValueError(f"{ignore_file.name} is a symlink loop")
        base, parts = real_root, resolved
    try:
        with _open_in_root(base, parts) as handle:
            data = handle.read(MAX_IGNORE_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"cannot read {ignore_file.name}: {exc.strerror or exc}") from None
    if len(data) > MAX_IGNORE_BYTES:
        raise ValueError(f"{ignore_file.name} is over {MAX_IGNORE_BYTES} bytes, too large to check")
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    lines = tuple(line.removesuffix("\r") for line in text.split("\n"))
    if sum(1 for line in lines if line.strip() and not line.startswith("#")) > MAX_IGNORE_PATTERNS:
        raise ValueError(f"{ignore_file.name} has over {MAX_IGNORE_PATTERNS} patterns, too many to check")
    return lines


class _Walk:
    """A sorted walk of the context that never follows a symlink, matching each path once against the patterns
    (with its parent directory's results, as BuildKit does), within MAX_ENTRIES and WALK_SECONDS."""

    def __init__(self, root: Path, matcher: IgnoreMatcher | None) -> None:
        self.root, self.matcher = root, matcher
        self.files: list[str] = []
        self.directories: list[str] = []
        self.links: dict[str, str] = {}
        self.unreadable: list[str] = []
        self.truncated: str | None = None
        self._seen = 0
        self._deadline = time.monotonic() + WALK_SECONDS

    def run(self) -> None:
        stack: list[tuple[str, tuple[bool, ...]]] = [("", ())]
        while stack and self.truncated is None:
            directory, info = stack.pop()
            self._check_time()
            children = self._list(directory)
            below = []
            for name, is_dir, is_link in children:
                path = f"{directory}/{name}" if directory else name
                if not self._count():
                    return
                skip, child_info = self.matcher.match(path, info) if self.matcher else (False, ())
                if is_dir:
                    if not skip:
                        self.directories.append(path)
                    if not skip or (self.matcher is not None and self.matcher.may_match_under(path)):
                        below.append((path, child_info))
                elif not skip:
                    self.files.append(path)
                    if is_link:
                        with contextlib.suppress(OSError):
                            self.links[path] = os.readlink(self.root / path)
            stack.extend(reversed(below))

    def _count(self) -> bool:
        self._seen += 1
        if self._seen > MAX_ENTRIES:
            self.truncated = f"the build context has more than {MAX_ENTRIES} entries"
        elif self._seen % 1024 == 0:
            self._check_time()
        return self.truncated is None

    def _check_time(self) -> None:
        if time.monotonic() > self._deadline:
            self.truncated = f"walking the build context took over {WALK_SECONDS:.0f} s"

    def _list(self, directory: str) -> list[tuple[str, bool, bool]]:
        try:
            with os.scandir(self.root / directory if directory else self.root) as entries:
                found = [(e.name, e.is_dir(follow_symlinks=False), e.is_symlink()) for e in entries]
        except OSError:
            self.unreadable.append(directory or ".")
            return []
        return sorted(found)
