"""Hostile and odd input to `dockwise lint` (issue 15): each ends in bounded time and memory with one error line
(exit 2) or a correct result — never a traceback, a hang or a silent wrong answer. One test per reported bug."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dockerfile.helpers import lint

DOCKWISE = [sys.executable, "-m", "dockwise.cli"]


def dockwise(*args: str, cwd: Path, stdin: bytes = b"", timeout: float = 30) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([*DOCKWISE, *args], cwd=cwd, input=stdin, capture_output=True, env=env, timeout=timeout)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and b"Traceback" not in result.stderr, result.stderr
    return lines[0]


# --- settings files -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("toml", ["[tool]\ndockwise = 5\n", "[tool]\ndockwise = [1, 2]\n", "[tool]\ndockwise = 'x'\n",
                                  "[tool.dockwise]\nignore = [{a = 1}]\n", "[tool.dockwise]\nseverity = {DW001 = 3}\n",
                                  "[tool.dockwise]\nfailure-threshold = 2\n"])
def test_settings_of_the_wrong_type_are_one_line(tmp_path, toml):
    (tmp_path / "pyproject.toml").write_text(toml)
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    line = one_error_line(dockwise("lint", cwd=tmp_path))
    assert "pyproject.toml" in line


def test_config_from_a_device_is_refused_without_reading_it(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    line = one_error_line(dockwise("lint", "--config", "/dev/zero", cwd=tmp_path, timeout=20))
    assert "/dev/zero is not a regular file" in line


def test_a_missing_config_says_so_not_fix_the_syntax(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    line = one_error_line(dockwise("lint", "--config", "missing.toml", cwd=tmp_path))
    assert "missing.toml does not exist" in line and "TOML syntax" not in line


# --- the Dockerfile argument ----------------------------------------------------------------------------------


def test_a_fifo_as_the_dockerfile_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "Dockerfile")
    line = one_error_line(dockwise("lint", "Dockerfile", cwd=tmp_path, timeout=20))
    assert "not a regular file" in line


def test_stdin_is_read_once(tmp_path):
    line = one_error_line(dockwise("lint", "-", "-", cwd=tmp_path, stdin=b"FROM scratch\n"))
    assert "more than once" in line


# --- numbers are ASCII numbers --------------------------------------------------------------------------------


def test_non_ascii_digits_are_not_a_port():
    found = [f for f in lint("FROM python:3.13-slim\nEXPOSE \u0661\u0662\n") if f.rule == "DW006"]
    assert found and "not a port" in found[0].message


def test_non_ascii_digits_are_not_a_uid():
    found = [f for f in lint("FROM python:3.13-slim\nUSER \u00b2\n") if f.rule == "DW114"]
    assert found and "is a name" in found[0].message


def test_ascii_numbers_still_pass():
    found = {f.rule for f in lint("FROM python:3.13-slim\nEXPOSE 8000\nUSER 10001\n")}
    assert not found & {"DW006", "DW114"}


def _json(result: subprocess.CompletedProcess) -> list[dict]:
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)
