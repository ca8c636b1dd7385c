"""The finding: what `lint` (Dockerfile rules) and `inspect` (image checks) both report, in every output format."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from dockwise.core.errors import EXIT_USAGE


class Severity(IntEnum):
    """Ordered so that `--failure-threshold` is a comparison."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            from dockwise.core.errors import DockwiseError

            names = ", ".join(s.name.lower() for s in cls)
            raise DockwiseError(f"unknown severity {text!r}", f"use one of: {names}", exit_code=EXIT_USAGE) from None

    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Finding:
    """One rule or check that did not hold.

    `file` is a Dockerfile path for lint and an image reference for inspect; `line`/`column` are 1-based and
    None where they do not apply. `file`, `message` and `fix` are always one printable line (see `printable`). `refs` maps a scheme ("hadolint", "buildkit", "cis", "dockle") to its code.
    """

    rule: str
    severity: Severity
    file: str
    line: int | None
    column: int | None
    message: str
    fix: str
    refs: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Messages quote names from the build context, the Dockerfile and the image: every output format gets them
        # as one printable line, so no name can clear a terminal, forge a line of text or break XML.
        from dockwise.core.errors import printable

        for name in ("file", "message", "fix"):
            object.__setattr__(self, name, printable(getattr(self, name), one_line=True))

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity.label(),
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "fix": self.fix,
            "refs": dict(sorted(self.refs.items())),
        }
