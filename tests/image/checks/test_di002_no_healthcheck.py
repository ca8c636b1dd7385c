from tests.image.checks.helpers import findings, image

CHECK = "di002_no_healthcheck"


def test_catches_missing_and_disabled_healthcheck():
    assert [f.rule for f in findings(CHECK, image())] == ["DI002"]
    assert [f.rule for f in findings(CHECK, image(Healthcheck={"Test": ["NONE"]}))] == ["DI002"]


def test_accepts_a_healthcheck():
    assert findings(CHECK, image(Healthcheck={"Test": ["CMD", "/app/health"], "Interval": 30000000000})) == []
