from tests.image.checks.helpers import PASSWD, F, findings, image, layer

CHECK = "di008_wasted_space"
BIG = b"\x00" * (2 << 20)


def test_catches_a_chown_layer_that_copies_everything_again():
    facts = image(
        layer(PASSWD, F("app/data.bin", BIG)),
        layer(F("app/data.bin", BIG, uid=1000)),
        history=["COPY . /app", "RUN chown -R app /app"],
    )
    [finding] = findings(CHECK, facts)
    assert str(2 << 20) in finding.message and "layer 1 (RUN chown -R app /app)" in finding.message


def test_accepts_waste_below_the_threshold():
    facts = image(layer(PASSWD, F("app/data.bin", BIG), F("app/x", b"1" * 1000)), layer(F("app/x", b"2" * 1000)))
    assert facts.waste.reclaimable_bytes == 1000
    assert findings(CHECK, facts) == []
