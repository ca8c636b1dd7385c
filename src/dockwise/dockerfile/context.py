"""The build context: which files `docker build` sends, with `.dockerignore` read by Docker's own rules.

Patterns are matched by `e2b-dockerfile-utils`' port of moby/patternmatcher: root-anchored (`*.pyc` is only the
top level; `**/*.pyc` is every level), `**`, and `!` exceptions where the last match wins — not gitignore's rules.
BuildKit prefers `<Dockerfile>.dockerignore` beside the Dockerfile over `<context>/.dockerignore`.
"""

from __future__ import annotations

import bisect
import os
import posixpath
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from e2b_dockerfile_utils import PatternMatcher

# Enough for any sane context; a bigger one is reported as truncated rather than walked for minutes.
MAX_FILES = 50_000


@dataclass(frozen=True)
class BuildContext:
    """The files a build would send. `files` are slash-separated paths relative to `root`, ignored ones excluded."""

    root: Path
    ignore_file: Path | None
    patterns: tuple[str, ...]
    files: tuple[str, ...]
    truncated: bool
    pattern_error: str | None = None
    unreadable: tuple[str, ...] = ()  # directories the walk could not list (BuildKit cannot send them either)

    @classmethod
    def load(cls, root: Path, dockerfile: Path | None = None) -> BuildContext:
        """Walk `root` (not following symlinks), skipping what the ignore file excludes."""
        ignore_file = _ignore_file(root, dockerfile)
        patterns: tuple[str, ...] = ()
        error = None
        if ignore_file is not None:
            try:
                patterns = tuple(ignore_file.read_text(encoding="utf-8", errors="replace").splitlines())
                _matcher(patterns)
            except (OSError, ValueError) as exc:
                error, patterns = str(exc), ()
        files, truncated, unreadable = _walk(root, patterns)
        return cls(root, ignore_file, patterns, files, truncated, error, unreadable)

    def ignored(self, path: str) -> bool:
        """Whether the ignore file excludes `path` (relative to the root)."""
        path = _clean(path)
        return bool(self.patterns) and path not in ("", ".") and _matcher(self.patterns).matches(path)

    def exists(self, path: str) -> bool:
        return bool(self._glob_all(path))

    @cached_property
    def _sorted(self) -> tuple[str, ...]:
        return tuple(sorted(self.files))

    def select(self, source: str) -> tuple[str, ...]:
        """The sent files a COPY/ADD source (a path or a glob, relative to the root) brings in."""
        source = _clean(source)
        if source in ("", "."):
            return self.files
        if not re.search(r"[*?\[]", source):  # a file, or a directory and everything under it
            files = self._sorted
            start = bisect.bisect_left(files, source)
            end = bisect.bisect_left(files, source + "0")  # "0" sorts right after "/"
            return tuple(f for f in files[start:end] if f == source or f.startswith(source + "/"))
        regex = _glob_regex(source)
        depth = source.count("/") + 1
        return tuple(f for f in self.files if regex.match("/".join(f.split("/")[:depth])))

    def _glob_all(self, source: str) -> list[Path]:
        source = _clean(source)
        if source in ("", "."):
            return [self.root]
        if not re.search(r"[*?\[]", source):
            path = self.root / source
            return [path] if path.exists() or path.is_symlink() else []
        try:
            return list(self.root.glob(source))
        except (ValueError, OSError):
            return []


def ignore_file_for(root: Path, dockerfile: Path | None) -> Path | None:
    """The ignore file BuildKit reads for `dockerfile` built in `root`."""
    return _ignore_file(root, dockerfile)


def _ignore_file(root: Path, dockerfile: Path | None) -> Path | None:
    candidates = []
    if dockerfile is not None:
        candidates.append(dockerfile.with_name(dockerfile.name + ".dockerignore"))
    candidates.append(root / ".dockerignore")
    return next((c for c in candidates if c.is_file()), None)


@lru_cache(maxsize=64)
def _matcher(patterns: tuple[str, ...]) -> PatternMatcher:
    return PatternMatcher(list(patterns))


def _clean(path: str) -> str:
    path = path.replace("\\", "/").lstrip("/")
    return posixpath.normpath(path) if path else ""


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    for ch in pattern:
        out.append("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch))
    return re.compile("".join(out) + r"\Z")


@dataclass(frozen=True)
class _State:
    """Which patterns matched a directory, so that its children are matched from there (what
    `PatternMatcher.matches` recomputes from the root for every path: the walk's hot spot on large contexts)."""

    matcher: PatternMatcher
    per_pattern: tuple[bool, ...]
    matched: bool

    @classmethod
    def top(cls, matcher: PatternMatcher) -> _State:
        return cls(matcher, (), False)

    def child(self, path: str) -> _State:
        patterns = getattr(self.matcher, "_patterns", None)
        if patterns is None:  # another version of the port: its own (slower) matching
            return _State(self.matcher, (), self.matcher.matches(path))
        per_pattern: list[bool] = []
        matched = False
        for i, pattern in enumerate(patterns):
            match = bool(self.per_pattern) and self.per_pattern[i]
            if not match:
                if pattern.exclusion != matched:
                    per_pattern.append(False)
                    continue
                match = pattern.match(path)
            per_pattern.append(match)
            if match:
                matched = not pattern.exclusion
        return _State(self.matcher, tuple(per_pattern), matched)


def _walk(root: Path, patterns: tuple[str, ...]) -> tuple[tuple[str, ...], bool, tuple[str, ...]]:
    """The files sent (sorted walk, not following symlinks), whether MAX_FILES cut the walk short, and the
    directories that could not be listed."""
    matcher = _matcher(patterns) if patterns else None
    found: list[str] = []
    unreadable: list[str] = []

    def note(error: OSError) -> None:
        unreadable.append(Path(error.filename).relative_to(root).as_posix() if error.filename else "?")

    states: dict[str, _State] = {"": _State.top(matcher)} if matcher is not None else {}
    for directory, dirnames, filenames in os.walk(root, onerror=note):
        rel = Path(directory).relative_to(root).as_posix()
        prefix = "" if rel == "." else rel + "/"
        parent = states.get(prefix.rstrip("/"))
        kept = []
        for name in sorted(dirnames):
            path = prefix + name
            if matcher is None or parent is None:
                kept.append(name)
                continue
            state = parent.child(path)
            if not state.matched or matcher.may_match_under(path):
                kept.append(name)
                states[path] = state
        dirnames[:] = kept
        for name in sorted(filenames):
            path = prefix + name
            if matcher is None or parent is None or not parent.child(path).matched:
                found.append(path)
                if len(found) >= MAX_FILES:
                    return tuple(found), True, tuple(unreadable)
    return tuple(found), False, tuple(unreadable)
