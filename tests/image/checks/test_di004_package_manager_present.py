from dockwise.core.findings import Severity
from tests.image.checks.helpers import PASSWD, F, findings, image, layer

CHECK = "di004_package_manager_present"


def test_finds_apt_dpkg_and_a_pip_module():
    facts = image(
        layer(
            PASSWD,
            F("usr/bin/apt-get", b"x", mode=0o755),
            F("usr/bin/dpkg", b"x", mode=0o755),
            F("usr/lib/python3/dist-packages/pip/__init__.py", b""),
        )
    )
    [finding] = findings(CHECK, facts)
    assert finding.severity is Severity.INFO and "apt, dpkg, pip" in finding.message


def test_error_on_a_distroless_claim():
    facts = image(layer(PASSWD, F("sbin/apk", b"x", mode=0o755)), tags=("example/distroless:1",))
    assert [f.severity for f in findings(CHECK, facts)] == [Severity.ERROR]


def test_accepts_an_image_without_package_managers():
    assert findings(CHECK, image()) == []
