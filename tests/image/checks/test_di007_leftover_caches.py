from tests.image.checks.helpers import PASSWD, F, findings, image, layer

CHECK = "di007_leftover_caches"


def test_catches_pip_cache_and_apt_lists():
    facts = image(
        layer(
            PASSWD,
            F("root/.cache/pip/wheels/x.whl", b"w" * 50),
            F("var/lib/apt/lists/deb_InRelease", b"l" * 10),
            F("var/lib/apt/lists/lock", b""),
        )
    )
    messages = sorted(f.message for f in findings(CHECK, facts))
    assert messages[0].startswith("apt-lists: 1 file(s), 10 bytes") and messages[1].startswith(
        "pip-cache: 1 file(s), 50"
    )


def test_pycache_counts_in_app_dirs_unless_the_images_python_compiled_it():
    facts = image(
        layer(
            PASSWD,
            F("usr/lib/python3.13/os.py", b""),
            F("usr/lib/python3.13/__pycache__/os.cpython-39.pyc", b"c"),
            F("app/__pycache__/m.cpython-39.pyc", b"c"),
            F("app/__pycache__/n.cpython-313.pyc", b"c"),
        ),
        WorkingDir="/app",
    )
    [finding] = findings(CHECK, facts)
    assert finding.message.startswith("pycache-in-app: 1 file(s)") and "m.cpython-39.pyc" in finding.message


def test_accepts_cleaned_lists():
    facts = image(layer(PASSWD, F("var/lib/apt/lists/x", b"1")), layer(F("var/lib/apt/lists", kind="opaque")))
    assert findings(CHECK, facts) == []
