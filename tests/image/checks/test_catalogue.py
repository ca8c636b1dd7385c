"""The catalogue itself: unique codes, documented modules, and every check able to fire."""

from dockwise.image.checks import MODULES, catalogue, run_checks
from tests.image.checks.helpers import image


def test_codes_are_unique_and_documented():
    checks = catalogue()
    assert len({c.code for c in checks}) == len(MODULES) == len(checks)
    for check in checks:
        assert check.code.startswith("DI0") and check.name and "Anti-pattern" in check.doc and "Best practice" in check.doc


def test_ignore_skips_codes():
    facts = image()
    assert "DI001" in {f.rule for f in run_checks(facts)}
    assert "DI001" not in {f.rule for f in run_checks(facts, ignore=["di001"])}
