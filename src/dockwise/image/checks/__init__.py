"""Image checks: one module per DInnn code (the contract is `dockwise.core.rules`), each a pure function from
ImageFacts to hits, and the runner that turns them into findings under the settings in force."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dockwise.core.config import Settings
from dockwise.core.findings import Finding, Severity
from dockwise.core.rules import Hit, Rule, all_rules
from dockwise.image.facts import ImageFacts


def run_checks(facts: ImageFacts, settings: Settings = Settings(), rules: Sequence[Rule] | None = None) -> list[Finding]:
    """All findings for one image, minus the ignored ids, in id order."""
    findings: list[Finding] = []
    for rule in rules if rules is not None else all_rules("image"):
        if settings.enabled(rule.id, rule.enabled_by_default):
            findings += [rule.finding(hit, facts.reference, settings.severity_of(rule.id)) for hit in rule.check(facts)]
    return findings


def present(facts: ImageFacts, what: str, found: str) -> Hit:
    """A tool that should not ship (a shell, a package manager) is present: info on a standard image, an error on
    one that claims to be distroless, where it breaks the promise."""
    distroless = facts.claims_distroless()
    message = f"{what} present: {found}" + (" in an image that claims to be distroless" if distroless else "")
    return Hit(None, message, severity=Severity.ERROR if distroless else Severity.INFO)


def sample(items: Iterable[str], limit: int = 5) -> str:
    items = list(items)
    more = f" (+{len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more
