"""The catalogue itself: unique codes, documented modules, and every check able to fire."""

import pkgutil

import dockwise.image.checks as package
from dockwise.core.config import Settings
from dockwise.core.rules import Scope, all_rules
from dockwise.image.checks import run_checks
from tests.image.checks.helpers import image

MODULES = [m.name for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("di")]


def test_codes_are_unique_and_documented():
    checks = all_rules("image")
    assert len({c.id for c in checks}) == len(MODULES) == len(checks)
    for check in checks:
        assert (
            check.id.startswith("DI0") and check.name and "Anti-pattern" in check.doc and "Best practice" in check.doc
        )
        assert check.scope is Scope.IMAGE


def test_ignore_skips_codes():
    facts = image()
    assert "DI001" in {f.rule for f in run_checks(facts)}
    assert "DI001" not in {f.rule for f in run_checks(facts, Settings().with_overrides(ignore=["di001"]))}
