from tests.image.checks.helpers import PASSWD, F, findings, image, layer

CHECK = "di009_app_code_writable"


def test_catches_code_owned_by_the_app_user():
    facts = image(layer(PASSWD, F("app/main.py", b"x", uid=1000, gid=1000)), User="app", WorkingDir="/app")
    [finding] = findings(CHECK, facts)
    assert "writable by uid 1000" in finding.message and "/app/main.py" in finding.message


def test_accepts_root_owned_read_only_code():
    assert findings(CHECK, image(layer(PASSWD, F("app/main.py", b"x")), User="app", WorkingDir="/app")) == []


def test_silent_for_root_where_DI001_already_speaks():
    assert findings(CHECK, image(layer(PASSWD, F("app/main.py", b"x")), WorkingDir="/app")) == []
