"""Where a detected fact comes from: a file of the app and, when there is one, its line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Evidence:
    """`file` is relative to the app directory (POSIX separators); `line` is 1-based or None for the whole file."""

    file: str
    line: int | None = None
    excerpt: str = ""

    def where(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def __str__(self) -> str:
        excerpt = " ".join(self.excerpt.split())
        if len(excerpt) > 70:
            excerpt = excerpt[:67] + "..."
        return f"{self.where()} ({excerpt})" if excerpt else self.where()


def line_of(text: str, needle: str) -> int | None:
    """The 1-based line of the first line that contains `needle`, for evidence in files read whole (TOML, JSON)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None
