"""Settings for `lint` and `inspect` alike, from `[tool.dockwise]` in pyproject.toml or the top level of .dockwise.toml.

Looked up from the given directory upwards; the first file that has settings wins. Keys (rule ids are DW and DI
codes alike)::

    failure-threshold = "warning"          # info | warning | error
    ignore = ["DW113", "DI002"]            # rule ids never reported
    severity = { DW112 = "warning" }       # per-rule severity overrides
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dockwise.core.errors import DockwiseError
from dockwise.core.findings import Severity

_KEYS = frozenset({"failure-threshold", "ignore", "severity"})


@dataclass(frozen=True)
class Settings:
    failure_threshold: Severity = Severity.WARNING
    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    source: Path | None = None

    def enabled(self, rule_id: str) -> bool:
        return rule_id not in self.ignore

    def severity_of(self, rule_id: str) -> Severity | None:
        """The configured severity of a rule, or None where the rule's own applies."""
        return self.severity.get(rule_id)

    def with_overrides(self, *, ignore: Iterable[str] = (), failure_threshold: str | None = None) -> Settings:
        """These settings with command-line `--ignore` ids added and `--failure-threshold` in force."""
        return dataclasses.replace(
            self,
            ignore=self.ignore | {i.strip().upper() for i in ignore},
            failure_threshold=Severity.parse(failure_threshold) if failure_threshold else self.failure_threshold,
        )


def find_config(start: Path) -> Settings:
    """The settings that apply in `start` (a directory), or the defaults."""
    for directory in (start, *start.parents):
        for name in (".dockwise.toml", "pyproject.toml"):
            path = directory / name
            if path.is_file():
                table = _table(path)
                if table is not None:
                    return from_table(table, path)
    return Settings()


def load_config(path: Path) -> Settings:
    table = _table(path)
    return from_table(table or {}, path)


def _table(path: Path) -> dict | None:
    import tomllib  # only when a settings file exists: it costs a tenth of a lint run's start-up

    try:
        text = path.read_text(encoding="utf-8")
        if path.name == "pyproject.toml" and "dockwise" not in text:
            return None
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DockwiseError(f"cannot read {path}: {exc}", "fix the TOML syntax", exit_code=2) from None
    if path.name == "pyproject.toml":
        return data.get("tool", {}).get("dockwise")
    return data


def from_table(table: Mapping[str, object], source: Path | None = None) -> Settings:
    unknown = set(table) - _KEYS
    if unknown:
        raise DockwiseError(
            f"unknown setting(s) {', '.join(sorted(unknown))} in {source}", f"use: {', '.join(sorted(_KEYS))}", 2
        )
    ignore = table.get("ignore", [])
    overrides = table.get("severity", {})
    if not isinstance(ignore, list) or not isinstance(overrides, dict):
        raise DockwiseError(f"bad dockwise settings in {source}", "ignore is a list, severity a table", exit_code=2)
    return Settings(
        failure_threshold=Severity.parse(str(table.get("failure-threshold", "warning"))),
        ignore=frozenset(str(i).upper() for i in ignore),
        severity={str(k).upper(): Severity.parse(str(v)) for k, v in overrides.items()},
        source=source,
    )
