"""compose.yaml is data dumped by the YAML library: app content (a setup step; a path the app writes with a newline
is refused where it is read, tests/pyapp/test_hostile_init.py) lands in a value, never in a key or a comment, so it loads to exactly the intended services and keys. Hermetic (yaml.safe_load);
tests/pyapp/test_compose_config.py runs Debian's docker-compose on the same files."""

from __future__ import annotations

import yaml

from dockwise.service.setup_once import once_command
from tests.pyapp.helpers import copy_app, run_init

APP_KEYS = {
    "build",
    "image",
    "user",
    "read_only",
    "tmpfs",
    "cap_drop",
    "security_opt",
    "pids_limit",
    "mem_limit",
    "memswap_limit",
    "ports",
    "stop_grace_period",
    "restart",
    "healthcheck",
}
ONE_SHOT_KEYS = {*APP_KEYS - {"build", "ports", "stop_grace_period", "healthcheck"}, "command", "volumes"}


def test_a_hostile_setup_step_is_one_word_per_argv_word(tmp_path):
    """Issue 19: a quote in --setup made compose.yaml invalid YAML; `$HOME` was Compose's to expand."""
    app = copy_app("flaskr", tmp_path)
    words = ["flask", "init-db", "it's", '"x"', "$HOME", "${A:-b}", "\\", "- privileged: true", "#", "a: b"]
    step = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    assert run_init(app, "--setup", step).exit_code == 0
    services = yaml.safe_load((app / "compose.yaml").read_text())["services"]
    assert set(services) == {"flaskr", "flaskr-setup"}
    assert set(services["flaskr"]) == APP_KEYS | {"volumes", "depends_on"}
    assert set(services["flaskr-setup"]) == ONE_SHOT_KEYS
    command = [word.replace("$$", "$") for word in services["flaskr-setup"]["command"]]
    assert command == once_command(tuple(words), "volume")  # flaskr's init-db drops its tables
    assert all("$" not in word.replace("$$", "") for word in services["flaskr-setup"]["command"])


def test_a_value_the_contract_refuses_writes_nothing(tmp_path):
    """A health path with a newline: one line, exit 2, no file half-written."""
    app = copy_app("flask-quickstart", tmp_path)
    before = sorted(p.name for p in app.iterdir())
    result = run_init(app, "--health-path", "/up\nprivileged: true")
    assert result.exit_code == 2 and "not a URL path" in result.output
    assert sorted(p.name for p in app.iterdir()) == before
