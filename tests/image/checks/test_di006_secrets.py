from tests.image.checks.helpers import PASSWD, F, findings, image, layer

CHECK = "di006_secrets"
PEM = b"-----BEGIN RSA PRIVATE KEY-----\n" + b"MIIEowIBAAKCAQEA" * 8 + b"\n-----END RSA PRIVATE KEY-----\n"


def test_catches_env_names_secret_files_and_keys_by_content():
    facts = image(
        layer(PASSWD, F("app/.env", b"A=1\n"), F("app/config/server.crt", PEM)), Env=["API_TOKEN=x", "GPG_KEY=y"]
    )
    messages = [f.message for f in findings(CHECK, facts)]
    assert len(messages) == 3
    assert "API_TOKEN" in messages[0] and "GPG_KEY" not in messages[0]
    assert "/app/.env" in messages[1] and "/app/config/server.crt" in messages[2]


def test_a_deleted_secret_still_in_a_lower_layer_is_not_in_the_view_but_is_waste():
    facts = image(layer(PASSWD, F("app/id_rsa", PEM)), layer(F("app/id_rsa", kind="whiteout")))
    assert findings(CHECK, facts) == []
    assert facts.waste.items[0].path == "/app/id_rsa"


def test_accepts_a_clean_image():
    assert findings(CHECK, image(Env=["PATH=/usr/bin", "PYTHONUNBUFFERED=1"])) == []
