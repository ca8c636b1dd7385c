from tests.image.checks.helpers import PASSWD, F, findings, image, layer

CHECK = "di005_setuid_setgid"


def test_lists_setuid_and_setgid_files():
    facts = image(layer(PASSWD, F("usr/bin/su", b"x", mode=0o4755), F("usr/bin/wall", b"x", mode=0o2755)))
    [finding] = findings(CHECK, facts)
    assert finding.refs == {"cis": "4.8", "dockle": "CIS-DI-0008"} and "/usr/bin/su" in finding.message


def test_a_later_chmod_layer_clears_it():
    facts = image(layer(PASSWD, F("usr/bin/su", b"x", mode=0o4755)), layer(F("usr/bin/su", b"x", mode=0o755)))
    assert findings(CHECK, facts) == []
