"""Image checks: one module per DI0xx code, each a pure function from ImageFacts to findings."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import Iterable

from dockwise.image.facts import ImageFacts
from dockwise.core.findings import Finding, Severity

MODULES = (
    "di001_root_user",
    "di002_no_healthcheck",
    "di003_shell_present",
    "di004_package_manager_present",
    "di005_setuid_setgid",
    "di006_secrets",
    "di007_leftover_caches",
    "di008_wasted_space",
    "di009_app_code_writable",
    "di010_latest_tag",
    "di011_world_writable",
)


@dataclass(frozen=True)
class Check:
    """A check's identity (for docs and SARIF rule metadata) and its function."""

    code: str
    name: str
    severity: Severity
    refs: dict[str, str]
    doc: str
    module: ModuleType

    def run(self, facts: ImageFacts) -> list[Finding]:
        return list(self.module.check(facts))


def catalogue() -> tuple[Check, ...]:
    """Every check, in code order."""
    checks = []
    for name in MODULES:
        module = import_module(f"{__name__}.{name}")
        checks.append(Check(module.CODE, module.NAME, module.SEVERITY, dict(module.REFS), module.__doc__ or "", module))
    return tuple(checks)


def run_checks(facts: ImageFacts, *, ignore: Iterable[str] = ()) -> list[Finding]:
    """All findings for one image, minus the ignored codes, in code order."""
    skipped = {code.upper() for code in ignore}
    findings: list[Finding] = []
    for check in catalogue():
        if check.code not in skipped:
            findings.extend(check.run(facts))
    return findings


def emit(facts: ImageFacts, code: str, severity: Severity, refs: dict[str, str], message: str, fix: str) -> Finding:
    """A DI finding: the file is the image reference, there is no line."""
    return Finding(code, severity, facts.reference, None, None, message, fix, dict(refs))


def emit_present(facts: ImageFacts, code: str, refs: dict[str, str], what: str, found: str, fix: str) -> Finding:
    """A tool that should not ship (a shell, a package manager) is present: info on a standard image, an error on
    one that claims to be distroless, where it breaks the promise."""
    distroless = facts.claims_distroless()
    message = f"{what} present: {found}" + (" in an image that claims to be distroless" if distroless else "")
    return emit(facts, code, Severity.ERROR if distroless else Severity.INFO, refs, message, fix)


def sample(items: Iterable[str], limit: int = 5) -> str:
    items = list(items)
    more = f" (+{len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more
