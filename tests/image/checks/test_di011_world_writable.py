from tests.image.checks.helpers import PASSWD, F, findings, image, layer

CHECK = "di011_world_writable"


def test_catches_world_writable_files_and_directories():
    facts = image(layer(PASSWD, F("app", kind="dir", mode=0o777), F("app/x", b"1", mode=0o666)))
    [finding] = findings(CHECK, facts)
    assert "2 world-writable" in finding.message


def test_sticky_directories_are_fine():
    assert findings(CHECK, image(layer(PASSWD, F("tmp", kind="dir", mode=0o1777)))) == []
