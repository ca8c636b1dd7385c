"""`dockwise lint` end to end, as a user runs it: a real process, real files, exit codes 0/1/2."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

DOCKWISE = [sys.executable, "-m", "dockwise.cli"]
CLEAN = (
    "FROM python:3.13-slim\nENV PYTHONUNBUFFERED=1\nWORKDIR /app\nCOPY app.py ./\nUSER 10001\nEXPOSE 8000\n"
    'HEALTHCHECK CMD ["python", "-c", "1"]\nCMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]\n'
)


def run(*args: str, cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([*DOCKWISE, "lint", *args], cwd=cwd, input=stdin, capture_output=True, env=env, timeout=60)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "Dockerfile").write_text(CLEAN)
    (tmp_path / "app.py").write_text("app = None\n")
    (tmp_path / ".dockerignore").write_text(".git\n.venv/\n**/__pycache__/\n**/*.pyc\n**/*.env\n")
    (tmp_path / ".dockwise.toml").write_text('enable = ["DW113"]\n')  # an info-level rule that is off by default
    return tmp_path


def test_clean_file_exits_0_with_only_info(project):
    result = run(cwd=project)
    assert result.returncode == 0, result.stdout.decode()
    assert b"DW113" in result.stdout and b"warning" not in result.stdout


def test_findings_exit_1_and_threshold_moves_it(project):
    (project / "Dockerfile").write_text(CLEAN.replace("USER 10001\n", ""))
    assert run("Dockerfile", cwd=project).returncode == 1
    assert run("--failure-threshold", "error", cwd=project).returncode == 0
    assert run("--failure-threshold", "info", "Dockerfile", cwd=project).returncode == 1


def test_stdin_target_and_build_args(project):
    text = b'ARG BASE=python:3.13-slim\nFROM ${BASE} AS app\nUSER 1\nCMD ["python"]\nFROM app AS admin\nUSER root\n'
    assert run("-", "--format", "json", cwd=project, stdin=text).returncode == 1
    ok = run("-", "--target", "app", "--format", "json", cwd=project, stdin=text)
    assert ok.returncode == 0 and all(f["file"] == "-" for f in json.loads(ok.stdout))
    fat = run("-", "--target", "app", "--build-arg", "BASE=python:3.13", "--format", "json", cwd=project, stdin=text)
    assert fat.returncode == 1 and {f["rule"] for f in json.loads(fat.stdout)} >= {"DW001"}
    missing = run("-", "--target", "nope", cwd=project, stdin=text)
    assert missing.returncode == 2 and b"no stage named 'nope'" in missing.stderr


@pytest.mark.parametrize(
    "fmt, marker", [("sarif", b'"version": "2.1.0"'), ("github", b"::notice "), ("junit", b"<testsuites")]
)
def test_formats(project, fmt, marker):
    result = run("--format", fmt, cwd=project)
    assert result.returncode == 0 and marker in result.stdout


def test_context_option_and_config_file(project, tmp_path_factory):
    other = tmp_path_factory.mktemp("ctx")
    (other / ".env").write_text("SECRET=1\n")
    (project / "Dockerfile").write_text(CLEAN.replace("COPY app.py ./", "COPY . ."))
    result = run("--context", str(other), "--format", "json", cwd=project)
    assert "DW115" in {f["rule"] for f in json.loads(result.stdout)}
    (project / ".dockwise.toml").write_text('ignore = ["DW003", "DW004", "DW115"]\n')
    assert run("--context", str(other), cwd=project).returncode == 0


def _bad_inputs(root: Path) -> dict[str, Path]:
    (root / "binary").write_bytes(b"FROM a\x00\x01\x02")
    (root / "latin1").write_bytes(b"FROM a\nLABEL x=\xe9\xff\n")
    (root / "huge").write_bytes(b"RUN true\n" * 200_000)
    (root / "dir").mkdir()
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "socket"))  # open() fails on a socket even for root
    return {name: root / name for name in ("binary", "latin1", "huge", "dir", "socket", "missing")}


@pytest.mark.parametrize("name", ["binary", "latin1", "huge", "dir", "socket", "missing"])
def test_bad_input_is_one_line_and_exit_2(tmp_path, name):
    path = _bad_inputs(tmp_path)[name]
    result = run(str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == b""
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in lines[0]


def test_binary_on_stdin_and_bad_build_arg(tmp_path):
    assert run("-", cwd=tmp_path, stdin=b"\x00\xff").returncode == 2
    result = run("-", "--build-arg", "=x", cwd=tmp_path, stdin=b"FROM a\n")
    assert result.returncode == 2 and b"KEY=VALUE" in result.stderr
