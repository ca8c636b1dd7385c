from dockwise.core.findings import Severity
from tests.image.checks.helpers import findings, image

CHECK = "di001_root_user"


def test_catches_no_user_and_user_root():
    for user in ("", "root", "0", "0:0"):
        [finding] = findings(CHECK, image(User=user))
        assert finding.rule == "DI001" and finding.severity is Severity.WARNING and finding.refs["cis"] == "4.1"


def test_accepts_a_named_or_numeric_non_root_user():
    assert findings(CHECK, image(User="app")) == []
    assert findings(CHECK, image(User="65532")) == []


def test_informs_when_the_user_is_not_in_passwd():
    [finding] = findings(CHECK, image(User="ghost"))
    assert finding.severity is Severity.INFO and "ghost" in finding.message
