from dockwise.core.findings import Severity
from tests.image.checks.helpers import PASSWD, F, findings, image, layer

CHECK = "di003_shell_present"
WITH_SHELL = layer(PASSWD, F("bin/sh", kind="symlink", link="dash"), F("bin/dash", b"\x7fELF", mode=0o755))


def test_info_on_a_standard_image():
    [finding] = findings(CHECK, image(WITH_SHELL))
    assert finding.severity is Severity.INFO and "/bin/sh" in finding.message


def test_error_when_the_image_claims_to_be_distroless():
    [finding] = findings(CHECK, image(WITH_SHELL, tags=("dockwise/distroless-python3:nonroot",)))
    assert finding.severity is Severity.ERROR and "distroless" in finding.message
    [labelled] = findings(CHECK, image(WITH_SHELL, Labels={"org.opencontainers.image.description": "Distroless base"}))
    assert labelled.severity is Severity.ERROR


def test_a_dangling_shell_symlink_is_no_shell():
    assert findings(CHECK, image(layer(PASSWD, F("bin/sh", kind="symlink", link="busybox")))) == []
