"""Settings for `lint` and `inspect` alike, from `[tool.dockwise]` in pyproject.toml or the top level of .dockwise.toml.

Looked up from the given directory upwards; the first file that has settings wins. Keys (rule ids are DW and DI
codes alike)::

    failure-threshold = "warning"          # info | warning | error
    ignore = ["DW113", "DI002", "SC2086"]  # rule ids (and ShellCheck codes) never reported
    severity = { DW112 = "warning" }       # per-rule severity overrides (ShellCheck codes too)
    enable = ["DW112", "DW113"]            # rules that are off by default, turned on
    pin = ["pip", "apt", "apk"]            # package managers whose installs must pin versions: pip (DW104), apt and
                                           # apk (DW126); default ["pip"]
    shellcheck = true                      # run ShellCheck on every RUN (DW130)
    shellcheck-severity = "warning"        # the least severe ShellCheck finding reported: style | info | warning |
                                           # error (ShellCheck's own levels)
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.core.findings import Severity

_KEYS = frozenset({"failure-threshold", "ignore", "enable", "severity", "pin", "shellcheck", "shellcheck-severity"})
PIN_KINDS = ("pip", "apt", "apk")
SHELLCHECK_LEVELS = ("style", "info", "warning", "error")


@dataclass(frozen=True)
class Settings:
    failure_threshold: Severity = Severity.WARNING
    ignore: frozenset[str] = frozenset()
    enable: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    pin: frozenset[str] = frozenset({"pip"})
    shellcheck: bool = True
    shellcheck_severity: str = "warning"
    source: Path | None = None

    def pins(self, kind: str) -> bool:
        """Whether the pinning policy requires versions for `kind` (one of PIN_KINDS)."""
        return kind in self.pin

    def enabled(self, rule_id: str, by_default: bool = True) -> bool:
        """Whether a rule (or a relayed code such as SC2086) runs: not ignored, and on by default or enabled."""
        return rule_id not in self.ignore and (by_default or rule_id in self.enable)

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


MAX_BYTES = 1024 * 1024
"""No settings file is this large; the bound keeps `--config /dev/zero` from reading forever."""


def load_config(path: Path) -> Settings:
    table = _table(path)
    return from_table(table or {}, path)


def _table(path: Path) -> dict | None:
    import tomllib  # only when a settings file exists: it costs a tenth of a lint run's start-up

    text = _read(path)
    if path.name == "pyproject.toml" and "dockwise" not in text:
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DockwiseError(f"{path} is not valid TOML ({exc})", "fix the TOML syntax", exit_code=EXIT_USAGE) from None
    if path.name != "pyproject.toml":
        return data
    tool = data.get("tool", {})
    table = tool.get("dockwise") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise DockwiseError(
            f"[tool] dockwise in {path} is a {type(table).__name__}, not a table",
            "write the settings under [tool.dockwise]",
            exit_code=EXIT_USAGE,
        )
    return table


def _read(path: Path) -> str:
    """The settings file's text: a regular file of at most MAX_BYTES, UTF-8; a DockwiseError (exit 2) otherwise."""
    try:
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as handle:  # a FIFO: no wait
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise DockwiseError(
                    f"{path} is not a regular file", "pass a .dockwise.toml or pyproject.toml", exit_code=EXIT_USAGE
                )
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise DockwiseError(
            f"{path} does not exist", "check the path given to --config", exit_code=EXIT_USAGE
        ) from None
    except OSError as exc:
        raise DockwiseError(
            f"cannot read {path} ({exc.strerror or exc})", "check the path and its permissions", exit_code=EXIT_USAGE
        ) from None
    if len(data) > MAX_BYTES:
        raise DockwiseError(
            f"{path} is over {MAX_BYTES} bytes", "a settings file is a few lines of TOML", exit_code=EXIT_USAGE
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DockwiseError(
            f"{path} is not UTF-8 (byte {exc.start})", "save it as UTF-8", exit_code=EXIT_USAGE
        ) from None


def from_table(table: Mapping[str, object], source: Path | None = None) -> Settings:
    unknown = set(table) - _KEYS
    if unknown:
        raise DockwiseError(
            f"unknown setting(s) {', '.join(sorted(unknown))} in {source}", f"use: {', '.join(sorted(_KEYS))}", 2
        )
    ignore: Any = table.get("ignore", [])
    enable: Any = table.get("enable", [])
    overrides: Any = table.get("severity", {})
    pin: Any = table.get("pin", ["pip"])
    shellcheck = table.get("shellcheck", True)
    level = table.get("shellcheck-severity", "warning")
    threshold = table.get("failure-threshold", "warning")
    if (
        not all(isinstance(v, list) and all(isinstance(i, str) for i in v) for v in (ignore, enable, pin))
        or not isinstance(overrides, dict)
        or not all(isinstance(v, str) for v in overrides.values())
        or not isinstance(threshold, str)
    ):
        raise DockwiseError(
            f"bad dockwise settings in {source}",
            "ignore, enable and pin are lists of strings, severity a table of severities, failure-threshold a string",
            2,
        )
    unknown_pins = sorted({str(p) for p in pin} - set(PIN_KINDS))
    if unknown_pins:
        raise DockwiseError(
            f"unknown pin kind(s) {', '.join(unknown_pins)} in {source}", f"use: {', '.join(PIN_KINDS)}", 2
        )
    if not isinstance(shellcheck, bool):
        raise DockwiseError(
            f"shellcheck must be true or false in {source}", "write shellcheck = false", exit_code=EXIT_USAGE
        )
    if level not in SHELLCHECK_LEVELS:
        raise DockwiseError(
            f"bad shellcheck-severity {level!r} in {source}", f"use one of: {', '.join(SHELLCHECK_LEVELS)}", 2
        )
    return Settings(
        failure_threshold=Severity.parse(threshold),
        ignore=frozenset(str(i).upper() for i in ignore),
        enable=frozenset(str(i).upper() for i in enable),
        severity={str(k).upper(): Severity.parse(str(v)) for k, v in overrides.items()},
        pin=frozenset(str(p) for p in pin),
        shellcheck=shellcheck,
        shellcheck_severity=level,
        source=source,
    )
