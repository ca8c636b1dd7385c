"""compose.yaml as a real Compose reads it: Debian's docker-compose (1.29) `config` on what `init` writes for every
fixture app, and for a setup step full of what Compose and shells would interpret. Engine-free: `config` only parses,
validates and interpolates."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from dockwise.service.setup_once import once_command
from tests.pyapp.helpers import FIXTURES, copy_app, run_init

pytestmark = pytest.mark.compose

SETUPS = {"flaskr": "flask --app flaskr init-db", "django-skeleton": "python manage.py migrate"}
# flaskr's init-db runs schema.sql, which drops its tables: once per data volume, ever; migrate once per release.
SCOPES = {"flaskr": "volume", "django-skeleton": "release"}
APPS = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())


def compose_config(app) -> dict:
    binary = shutil.which("docker-compose")
    assert binary, "Debian's docker-compose is missing: `make compose-cli` installs it"
    done = subprocess.run([binary, "-f", "compose.yaml", "config"], cwd=app, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def literal(value: str) -> str:
    """A string as the container gets it: `config` writes a literal `$` as `$$`."""
    return value.replace("$$", "$")


@pytest.mark.parametrize("name", APPS)
def test_compose_accepts_what_init_writes(name, tmp_path):
    app = copy_app(name, tmp_path)
    setup = ("--setup", SETUPS[name]) if name in SETUPS else ()
    assert run_init(app, *setup).exit_code == 0
    config = compose_config(app)
    services = config["services"]
    [service] = [key for key in services if not key.endswith("-setup")]
    main = services[service]
    assert main["mem_limit"] == main["memswap_limit"] and main["read_only"] is True and main["cap_drop"] == ["ALL"]
    assert [port.split(":")[0] for port in main["ports"]] == ["127.0.0.1"]
    if name in SETUPS:
        one_shot = services[f"{service}-setup"]
        assert main["depends_on"] == {f"{service}-setup": {"condition": "service_completed_successfully"}}
        assert one_shot["restart"] == "no" and one_shot["memswap_limit"] == one_shot["mem_limit"]
        assert one_shot["volumes"] == main["volumes"] and one_shot["user"] == main["user"]
        command = [literal(word) for word in one_shot["command"]]
        assert command == once_command(tuple(SETUPS[name].split()), SCOPES[name])
    else:
        assert list(services) == [service] and "depends_on" not in main


def test_a_setup_step_reaches_the_container_word_for_word(tmp_path):
    """Quotes, `$HOME`, a backslash and a YAML-looking word: compose interpolates nothing and nothing breaks."""
    app = copy_app("flaskr", tmp_path)
    words = [
        "flask",
        "--app",
        "flaskr",
        "init-db",
        "$HOME",
        "${PATH:-x}",
        "it's",
        'say "hi"',
        "a\\b",
        "- privileged: true",
    ]
    step = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    assert run_init(app, "--setup", step).exit_code == 0
    config = compose_config(app)
    one_shot = config["services"]["flaskr-setup"]
    assert [literal(word) for word in one_shot["command"]][-len(words) :] == words
    assert "privileged" not in one_shot and "privileged" not in config["services"]["flaskr"]
