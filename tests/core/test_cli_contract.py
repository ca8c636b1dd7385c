"""What every command promises (issue 15): exit codes documented in each help, one line for any error, never exit 1
for a crash or a user mistake where 1 means findings, help text on every option."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from dockwise import cli
from dockwise.core.errors import DockwiseError
from dockwise.debian.releases import RELEASES

COMMANDS = sorted(cli.main.commands)
EXIT_USAGE, EXIT_INTERNAL, EXIT_PIPE_CLOSED = 2, 3, 141  # the documented numbers, not whatever the code says


def _help(*args: str) -> str:
    result = CliRunner().invoke(cli.main, [*args, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_top_level_help_documents_every_exit_code():
    text = _help()
    assert "Exit status: 0" in text and "1 findings" in text and "2 bad input" in text and "3 internal error" in text


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_help_documents_its_exit_codes(command):
    text = _help(command)
    assert "Exit status: 0 success" in text and "2 bad input or usage" in text and "3 internal error" in text
    if command in ("lint", "inspect"):
        assert "1 findings at or above the failure threshold" in text


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_has_help_text(command):
    missing = [
        p.opts[0]
        for p in cli.main.commands[command].params
        if isinstance(p, click.Option) and not (p.help or "").strip()
    ]
    assert not missing, f"{command}: {missing} have no help text"


def test_base_release_is_a_choice_of_the_known_releases():
    option = next(p for p in cli.main.commands["base"].params if p.name == "release_name")
    assert isinstance(option.type, click.Choice)
    assert {r.codename for r in RELEASES.values()} <= set(option.type.choices)
    result = CliRunner().invoke(cli.main, ["base", "--release", "buzz"])
    assert result.exit_code == EXIT_USAGE and "'buzz' is not one of" in result.output


def _invoke_with(monkeypatch, tmp_path, exc: BaseException, *args: str):
    def explode(*_args, **_kwargs):
        raise exc

    monkeypatch.setattr("dockwise.dockerfile.lint.lint_inputs", explode)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    return CliRunner().invoke(cli.main, ["lint", str(tmp_path / "Dockerfile"), *args])


def test_a_bug_exits_3_with_one_line_naming_the_crash_report(monkeypatch, tmp_path):
    result = _invoke_with(monkeypatch, tmp_path, RuntimeError("a bug"))
    assert result.exit_code == EXIT_INTERNAL
    [line] = result.output.splitlines()
    assert line.startswith("error: internal error — please report it with ") and "Traceback" not in result.output
    report = line.rsplit(" ", 1)[1]
    assert "RuntimeError: a bug" in Path(report).read_text(encoding="utf-8")


def test_a_user_error_never_exits_1_where_1_means_findings(monkeypatch, tmp_path):
    result = _invoke_with(monkeypatch, tmp_path, DockwiseError("something the user can fix", "fix it"))
    assert result.exit_code == EXIT_USAGE and result.output == "error: something the user can fix — fix it\n"


def test_a_closed_output_pipe_is_not_findings(monkeypatch, tmp_path):
    assert _invoke_with(monkeypatch, tmp_path, BrokenPipeError()).exit_code == EXIT_PIPE_CLOSED


def test_control_characters_in_an_error_line_are_escaped(tmp_path):
    name = "evil\x1b]0;owned\x07\x1b[2J"
    result = subprocess.run(
        [sys.executable, "-m", "dockwise.cli", "lint", name], cwd=tmp_path, capture_output=True, timeout=60
    )
    assert result.returncode == EXIT_USAGE
    assert b"\x1b" not in result.stderr and b"\x07" not in result.stderr and b"evil\\x1b]0;owned\\x07" in result.stderr


def test_no_engine_is_bad_usage_not_findings(tmp_path):
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    result = subprocess.run(
        [sys.executable, "-m", "dockwise.cli", "inspect", "dockwise/no-such-image:1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == EXIT_USAGE, result.stderr
    assert result.stderr.count("\n") == 1 and "no Docker Engine answers" in result.stderr
