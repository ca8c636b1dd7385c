"""Image checks: one module per DInnn code (the contract is `dockwise.core.rules`), each a pure function from
ImageFacts to hits, and the runner that turns them into findings under the settings in force."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from dockwise.core.config import Settings
from dockwise.core.errors import printable
from dockwise.core.findings import Finding, Severity
from dockwise.core.rules import Hit, Rule, all_rules
from dockwise.image.facts import ImageFacts


def run_checks(
    facts: ImageFacts, settings: Settings = Settings(), rules: Sequence[Rule] | None = None
) -> list[Finding]:
    """All findings for one image, minus the ignored ids, in id order.

    Messages name paths, users and commands from the image: whoever built it chose those bytes, so each finding's
    text has its control characters and undecodable bytes escaped (`printable`), for every output format."""
    findings: list[Finding] = []
    reference = printable(facts.reference, one_line=True)
    for rule in rules if rules is not None else all_rules("image"):
        if settings.enabled(rule.id, rule.enabled_by_default):
            findings += [
                rule.finding(_shown(hit), reference, settings.severity_of(rule.id)) for hit in rule.check(facts)
            ]
    return findings


def _shown(hit: Hit) -> Hit:
    return dataclasses.replace(
        hit,
        message=printable(hit.message, one_line=True),
        fix=printable(hit.fix, one_line=True) if hit.fix else hit.fix,
    )


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
