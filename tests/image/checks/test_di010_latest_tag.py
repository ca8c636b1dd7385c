from dockwise.core.findings import Severity
from tests.image.checks.helpers import findings, image

CHECK = "di010_latest_tag"


def test_catches_a_latest_base_label():
    facts = image(Labels={"org.opencontainers.image.base.name": "docker.io/library/python:latest"})
    assert [f.severity for f in findings(CHECK, facts)] == [Severity.WARNING]


def test_informs_on_an_image_tagged_only_latest_or_untagged():
    assert [f.severity for f in findings(CHECK, image(tags=("app:latest",)))] == [Severity.INFO]
    assert [f.severity for f in findings(CHECK, image(tags=()))] == [Severity.INFO]


def test_accepts_pinned_bases_and_versioned_tags():
    pinned = "python:3.13-slim@sha256:" + "0" * 64
    assert findings(CHECK, image(Labels={"org.opencontainers.image.base.name": pinned})) == []
    assert findings(CHECK, image(Labels={"org.opencontainers.image.base.name": "localhost:5000/python:3.13"})) == []
