"""Hostile and odd input to `dockwise lint` (issue 15): each ends in bounded time and memory with one error line
(exit 2) or a correct result — never a traceback, a hang or a silent wrong answer. One test per reported bug."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dockwise.dockerfile import context as context_module
from dockwise.dockerfile.context import BuildContext
from tests.dockerfile.helpers import lint, make_context

DOCKWISE = [sys.executable, "-m", "dockwise.cli"]


def dockwise(*args: str, cwd: Path, stdin: bytes = b"", timeout: float = 30) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([*DOCKWISE, *args], cwd=cwd, input=stdin, capture_output=True, env=env, timeout=timeout)


def in_process(*args: str, cwd: Path, monkeypatch) -> subprocess.CompletedProcess:
    """`dockwise` without a new interpreter, for inputs that cannot hang (a few tenths of a second less each)."""
    from click.testing import CliRunner

    from dockwise.cli import main

    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(main, list(args))
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout_bytes, result.stderr_bytes)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and b"Traceback" not in result.stderr, result.stderr
    return lines[0]


# --- settings files -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "toml",
    [
        "[tool]\ndockwise = 5\n",
        "[tool]\ndockwise = [1, 2]\n",
        "[tool]\ndockwise = 'x'\n",
        "[tool.dockwise]\nignore = [{a = 1}]\n",
        "[tool.dockwise]\nseverity = {DW001 = 3}\n",
        "[tool.dockwise]\nfailure-threshold = 2\n",
    ],
)
def test_settings_of_the_wrong_type_are_one_line(tmp_path, toml, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(toml)
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    line = one_error_line(in_process("lint", cwd=tmp_path, monkeypatch=monkeypatch))
    assert "pyproject.toml" in line


def test_config_from_a_device_is_refused_without_reading_it(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    line = one_error_line(dockwise("lint", "--config", "/dev/zero", cwd=tmp_path, timeout=20))
    assert "/dev/zero is not a regular file" in line


def test_a_missing_config_says_so_not_fix_the_syntax(tmp_path, monkeypatch):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    line = one_error_line(in_process("lint", "--config", "missing.toml", cwd=tmp_path, monkeypatch=monkeypatch))
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
    found = [f for f in lint('FROM python:3.13-slim\nUSER \u00b2\nCMD ["python", "app.py"]\n') if f.rule == "DW114"]
    assert found and "is a name" in found[0].message


def test_ascii_numbers_still_pass():
    found = {f.rule for f in lint('FROM python:3.13-slim\nEXPOSE 8000\nUSER 10001\nCMD ["python", "app.py"]\n')}
    assert not found & {"DW006", "DW114"}


def _json(result: subprocess.CompletedProcess) -> list[dict]:
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


# --- .dockerignore and COPY globs: linear time, bounded sizes -------------------------------------------------

BACKTRACKING = "*a*a*a*a*a*a*a*a*a*ab"
MAX_FINDINGS_PER_RULE = 200  # dockwise.dockerfile.lint's: the number the README documents


def test_a_backtracking_ignore_pattern_against_a_long_name_is_linear(tmp_path):
    started = time.monotonic()
    found = lint("FROM python:3.13-slim\nCOPY . /app\n", tmp_path, [("a" * 250, "x"), (".dockerignore", BACKTRACKING)])
    assert time.monotonic() - started < 5
    context = BuildContext.load(tmp_path)
    assert "a" * 250 in context.files and not context.ignored("a" * 250) and isinstance(found, list)


def test_a_backtracking_copy_source_is_linear(tmp_path):
    started = time.monotonic()
    files = [("a" * 250, "x"), ("a" * 10 + "b", "x"), (".dockerignore", ".git\n")]
    found = lint(f"FROM python:3.13-slim\nCOPY {BACKTRACKING} /app/\n", tmp_path, files)
    assert time.monotonic() - started < 5
    assert BuildContext.load(tmp_path).select(BACKTRACKING) == ("a" * 10 + "b",) and not [
        f for f in found if f.rule == "DW117"
    ]


def test_an_ignore_line_docker_refuses_is_reported_quickly(tmp_path):
    started = time.monotonic()
    found = lint("FROM python:3.13-slim\nCOPY . /app\n", tmp_path, [("app.py", ""), (".dockerignore", "a" * 1_000_000)])
    assert time.monotonic() - started < 5
    assert any(f.rule == "DW004" and "longer than 65535 bytes" in f.message for f in found)


def test_an_oversized_ignore_file_is_reported_not_used(tmp_path):
    files = [("app.py", ""), (".env", "X=1"), (".dockerignore", ".env\n" + "x\n" * 600_000)]
    found = lint("FROM python:3.13-slim\nCOPY . /app\n", tmp_path, files)
    assert any(f.rule == "DW004" and "too large to check" in f.message for f in found)
    assert any(f.rule == "DW115" for f in found)  # unchecked patterns exclude nothing: the secret is still judged


# --- big contexts: secrets past any cut are found, or the cut is reported -------------------------------------


@pytest.mark.slow  # creating 50,500 files takes seconds; the walk itself is under one
def test_secrets_past_50000_files_are_found(tmp_path):
    for i in range(50_500):
        (tmp_path / f"f{i:05}").touch()
    (tmp_path / "zz").mkdir()
    (tmp_path / "zz" / ".env").write_text("TOKEN=1\n")
    (tmp_path / "zz" / "id_rsa").write_text("key\n")
    started = time.monotonic()
    found = lint("FROM python:3.13-slim\nCOPY . /app\n", tmp_path, [(".dockerignore", ".git\n")])
    assert time.monotonic() - started < 5
    [secrets] = [f.message for f in found if f.rule == "DW115"]
    assert "zz/.env" in secrets and "zz/id_rsa" in secrets and not [f for f in found if f.rule == "DW123"]


def test_a_walk_past_its_time_bound_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(context_module, "WALK_SECONDS", 0)
    files = [("app.py", ""), ("d/.env", "X=1"), (".dockerignore", ".git\n")]
    [finding] = [f for f in lint("FROM python:3.13-slim\nCOPY . /app\n", tmp_path, files) if f.rule == "DW123"]
    assert "took over 0 s" in finding.message and "not checked for secrets" in finding.message


# --- symlinks: BuildKit's rules, never a host file ------------------------------------------------------------


def test_copy_of_a_symlinked_directory_follows_it(tmp_path):
    (tmp_path / "real_conf").mkdir()
    (tmp_path / "real_conf" / "app.ini").write_text("x=1\n")
    (tmp_path / "conf").symlink_to("real_conf")
    found = lint("FROM python:3.13-slim\nCOPY conf/ ./conf/\n", tmp_path, [(".dockerignore", ".git\n")])
    assert not [f for f in found if f.rule == "DW117"], found
    context = BuildContext.load(tmp_path)
    assert context.select("conf/") == ("real_conf/app.ini",) and context.select("conf/*.ini") == ("real_conf/app.ini",)


def test_an_absolute_symlink_resolves_inside_the_context(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "app.conf").write_text("x=1\n")
    (tmp_path / "conf").symlink_to("/etc")
    (tmp_path / "up").symlink_to("../../../../../etc")
    context = BuildContext.load(tmp_path)
    assert context.select("conf/") == ("etc/app.conf",) and context.select("up") == ("etc/app.conf",)


def test_symlinks_out_of_the_context_are_never_read(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "requirements.txt").write_text("flask\n")
    (outside / "server.py").write_text("app.run(debug=True)\n")
    (outside / "ignore").write_text("*.py\n")
    root = tmp_path / "ctx"
    root.mkdir()
    (root / "requirements.txt").symlink_to(outside / "requirements.txt")
    (root / "app.py").symlink_to(outside / "server.py")
    (root / ".dockerignore").symlink_to(outside / "ignore")
    text = (
        "FROM python:3.13-slim\nCOPY requirements.txt app.py ./\nRUN pip install --no-cache-dir -r "
        'requirements.txt\nCMD ["python", "app.py"]\n'
    )
    found = lint(text, root)
    assert not [f for f in found if f.rule in ("DW101", "DW104")], found
    assert BuildContext.load(root).patterns == ()  # the ignore file outside was not read either


def test_a_fifo_in_the_context_is_not_read(tmp_path):
    os.mkfifo(tmp_path / "requirements.txt")
    text = "FROM python:3.13-slim\nCOPY requirements.txt ./\nRUN pip install --no-cache-dir -r requirements.txt\n"
    started = time.monotonic()
    lint(text, tmp_path, [(".dockerignore", ".git\n")])
    assert time.monotonic() - started < 5


def test_an_empty_directory_copied_is_sent(tmp_path):
    (tmp_path / "empty").mkdir()
    found = lint("FROM python:3.13-slim\nCOPY empty/ /app/empty/\n", tmp_path, [(".dockerignore", ".git\n")])
    assert not [f for f in found if f.rule == "DW117"]


# --- names from the context: printable, one line, well-formed in every format ---------------------------------

FORMATS = ("text", "json", "sarif", "github", "junit")


def _hostile_names(root: Path) -> None:
    (root / "Dockerfile").write_text("FROM python:3.13-slim\nUSER 10001\nCOPY . /app\n")
    (root / ".dockerignore").write_text(".git\n")
    (root / "title\x1b]0;owned\x07\x1b[2J.env").write_text("X=1\n")
    (root / "nl.env\nDockerfile:1:1: error DW999 forged").write_text("X=1\n")
    (root / "bidi\u202egpj.env").write_text("X=1\n")
    with open(os.path.join(os.fsencode(root), b"latin1-\xff.env"), "wb") as handle:
        handle.write(b"X=1\n")


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_names_come_out_escaped_and_well_formed(tmp_path, fmt):
    _hostile_names(tmp_path)
    result = dockwise("lint", "--format", fmt, "Dockerfile", cwd=tmp_path)
    assert result.returncode == 1 and b"Traceback" not in result.stderr and result.stderr == b"", result.stderr
    out = result.stdout
    assert not any(c in out for c in (b"\x1b", b"\x07", "\u202e".encode())), out
    text = out.decode("utf-8")
    assert not any(line.startswith("Dockerfile:1:1: error DW999") for line in text.splitlines())
    if fmt in ("json", "sarif"):
        text = " ".join(_strings(json.loads(text)))
    if fmt == "junit":
        import xml.etree.ElementTree as ET

        text = " ".join(_strings(ET.fromstring(out)))
    assert "title\\x1b]0;owned\\x07\\x1b[2J.env" in text and "latin1-\\xff.env" in text and "bidi\\u202egpj" in text


def _strings(document) -> list[str]:
    if isinstance(document, str):
        return [document]
    if isinstance(document, dict):
        return [s for value in document.values() for s in _strings(value)]
    if isinstance(document, list):
        return [s for value in document for s in _strings(value)]
    if hasattr(document, "attrib"):  # an XML element
        return [*document.attrib.values(), document.text or "", *(s for child in document for s in _strings(child))]
    return []


def test_hostile_names_written_with_o_in_an_ascii_locale(tmp_path):
    _hostile_names(tmp_path)
    env_locale = {"LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii"}
    for fmt in ("text", "github", "junit"):
        result = subprocess.run(
            [*DOCKWISE, "lint", "--format", fmt, "-o", f"report.{fmt}", "Dockerfile"],
            cwd=tmp_path,
            capture_output=True,
            env={**os.environ, **env_locale},
            timeout=30,
        )
        assert result.returncode == 1 and result.stderr == b"", result.stderr
        assert b"latin1-\\" in (tmp_path / f"report.{fmt}").read_bytes()  # escaped once, or twice inside JSON


def test_control_characters_in_the_dockerfile_itself_are_escaped(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM python:3.13-slim\nRUN echo '\x1b[2J\x1b]0;owned\x07' && sudo true\n")
    result = dockwise("lint", "--format", "text", "Dockerfile", cwd=tmp_path)
    assert result.returncode == 1 and b"\x1b" not in result.stdout and b"\\x1b[2J" in result.stdout


# --- the build model: bounded expansion, linear scope, no quadratic passes ------------------------------------


def _timed_lint(text: str, seconds: float):
    started = time.monotonic()
    found = lint(text)
    assert time.monotonic() - started < seconds
    return found


def test_exponential_arg_chains_stop_at_the_bound_and_are_reported():
    lines = ["FROM python:3.13-slim", "ARG A0=xx"] + [f"ARG A{i}=${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, 31)]
    found = _timed_lint("\n".join(lines) + "\n", 5)
    [overflow] = [f for f in found if f.rule == "DW136"]
    assert overflow.line == 2 + 17 and "A17 expands past 131072 characters" in overflow.message  # 2 * 2**17 > 128 KiB


def test_global_arg_chains_and_env_chains_too():
    lines = (
        ["ARG G0=xx"]
        + [f"ARG G{i}=${{G{i - 1}}}${{G{i - 1}}}" for i in range(1, 30)]
        + ["FROM python:3.13-slim", "ENV E0=xx"]
        + [f"ENV E{i}=${{E{i - 1}}}${{E{i - 1}}}" for i in range(1, 30)]
    )
    found = _timed_lint("\n".join(lines) + "\n", 5)
    assert {f.message.split()[0] for f in found if f.rule == "DW136"} == {"G17", "E17"}


def test_a_backtracking_substitution_pattern_stays_unexpanded():
    lines = ["FROM python:3.13-slim", "ARG A=" + "a" * 4000, "ENV B=${A/*a*a*a*a*a*a*b/x}", "WORKDIR /${B}"]
    found = _timed_lint("\n".join(lines) + "\n", 5)
    assert not [f for f in found if f.rule == "DW136"]


@pytest.mark.slow
def test_ten_thousand_env_lines_take_linear_memory():
    """The copies took 10 GiB for 20,000 lines; 10,000 keep the test quick (benchmarks/hostile_inputs.py has 20,000)."""
    import tracemalloc

    from dockwise.dockerfile.model import build_model
    from dockwise.dockerfile.parse import parse

    dockerfile = parse("FROM python:3.13-slim\n" + "".join(f"ENV V{i}=value{i}\n" for i in range(10_000)))
    tracemalloc.start()
    started = time.monotonic()
    build = build_model(dockerfile)
    seconds = time.monotonic() - started
    _size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    last = build.stages[0].steps[-1].variables
    assert last["V9998"] == "value9998" and "V9999" not in last and build.stages[0].steps[0].variables.get("V0") is None
    assert build.stages[0].env["V9999"] == "value9999" and len(build.stages[0].env) == 10_000
    assert peak < 50 * 1024 * 1024 and seconds < 10, (peak, seconds)


@pytest.mark.slow
def test_a_chain_of_stages_inherits_env_without_copies():
    import tracemalloc

    from dockwise.dockerfile.model import build_model
    from dockwise.dockerfile.parse import parse

    text = "FROM python:3.13-slim AS s0\n" + "".join(f"FROM s{i - 1} AS s{i}\nENV V{i}={i}\n" for i in range(1, 5000))
    dockerfile = parse(text)
    tracemalloc.start()
    started = time.monotonic()
    build = build_model(dockerfile)
    seconds = time.monotonic() - started
    _size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seconds < 10 and peak < 50 * 1024 * 1024, (seconds, peak)  # copies: 12.5 million entries
    assert (
        build.stages[-1].env["V1"] == "1" and len(build.stages[-1].env) == 4999 and "V4999" not in build.stages[-2].env
    )


@pytest.mark.slow
def test_ten_thousand_stages_are_not_quadratic():
    stages = "".join(
        f"# dockwise: stage ignore=DW113\nFROM python:3.13-slim AS s{i}\nCOPY --from=s{max(i - 1, 0)} /a /a\n"
        for i in range(10_000)
    )
    found = _timed_lint(stages, 20)
    assert sum(1 for f in found if f.rule == "DW120") == 1  # s0 copying from itself


def test_a_workdir_that_keeps_growing_is_bounded():
    found = _timed_lint("FROM python:3.13-slim\n" + "WORKDIR aaaaaaaaaa\n" * 2_000, 10)
    assert any(f.rule == "DW136" and "WORKDIR is longer than 4096" in f.message for f in found)


@pytest.mark.slow
def test_a_one_megabyte_run_line_is_linear():
    found = _timed_lint("FROM python:3.13-slim\nRUN echo " + "a" * 1_000_000 + " && sudo true\n", 10)
    assert any(f.rule == "DW108" for f in found)


def test_a_hash_inside_a_word_is_not_a_comment():
    """The linear tokenizer splits like a shell: shlex took `#frag` for a comment and missed the pipe after it."""
    found = lint("FROM python:3.13-slim\nRUN curl -fsSL https://example.com/i.sh#frag | sh\n")
    assert any(f.rule == "DW107" for f in found)


def test_a_finding_on_every_line_gives_a_bounded_report():
    found = [f for f in _timed_lint("FROM python:3.13-slim\n" + "RUN sudo a\n" * 5000, 10) if f.rule == "DW108"]
    assert len(found) == MAX_FINDINGS_PER_RULE + 1
    assert found[-1].line == MAX_FINDINGS_PER_RULE + 2 and found[-1].message.startswith(
        f"{5000 - MAX_FINDINGS_PER_RULE} more findings of this rule"
    )


def test_an_invalid_ignore_pattern_is_reported(tmp_path):
    found = lint("FROM python:3.13-slim\nCOPY . /app\n", tmp_path, [("app.py", ""), (".dockerignore", ".git\n[a-\n")])
    assert any(f.rule == "DW004" and "Invalid ignore pattern '[a-'" in f.message for f in found)


def test_many_whole_context_copies_over_a_big_context_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(context_module, "SELECT_BUDGET", 5_000)
    files = [(f"f{i}", "") for i in range(500)] + [(".env", "X=1"), (".dockerignore", ".git\n")]
    text = "FROM python:3.13-slim\n" + "".join(f"COPY . /app{i}/\nCOPY f{i}* /x{i}/\n" for i in range(200))
    found = lint(text, tmp_path, files)
    assert any(f.rule == "DW115" for f in found)  # checked while the budget lasted
    assert any(f.rule == "DW123" and "more files than one lint run checks" in f.message for f in found)
    assert not [f for f in found if f.rule == "DW117"]  # unknown is never reported as missing


def test_select_takes_every_file_below_a_directory_and_nothing_beside_it(tmp_path):
    files = [("a/x", ""), ("a/y/z", ""), ("a-b", ""), ("a.txt", ""), ("ab/c", ""), (".dockerignore", ".git\n")]
    context = make_context(tmp_path, files)
    assert context.select("a") == ("a/x", "a/y/z") and context.select("a/y") == ("a/y/z",)
    assert sorted(context.select("a*")) == ["a-b", "a.txt", "a/x", "a/y/z", "ab/c"] and context.sends("a/y")


def test_many_requirement_files_named_are_read_once_each(tmp_path, monkeypatch):
    monkeypatch.setattr(context_module, "READ_BUDGET", 1000)
    files = [("r.txt", "flask\n" * 100), ("s.txt", "django\n" * 100), (".dockerignore", ".git\n")]
    text = "FROM python:3.13-slim\n" + "RUN pip install --no-cache-dir -r r.txt -r s.txt\n" * 300
    found = lint(text, tmp_path, files)
    assert any(f.rule == "DW104" and "flask (r.txt)" in f.message for f in found)
    assert any(f.rule == "DW123" and "name more to read" in f.message for f in found)


def test_plain_run_lines_split_the_same_in_one_pass(monkeypatch):
    import re

    from dockwise.dockerfile import shell

    texts = ("apt-get update && apt-get install -y curl", "a;b&&c||d|e", "(cd /x && make) |& tee log", "x &&& y")
    one_pass = [shell._tokens(text) for text in texts]
    assert all(shell._PLAIN_TEXT.fullmatch(text) for text in texts)
    monkeypatch.setattr(shell, "_PLAIN_TEXT", re.compile(r"(?!)"))  # every line through the general tokenizer
    assert [shell._tokens(text) for text in texts] == one_pass


def test_a_superscript_digit_as_a_port_is_no_port_and_no_crash():
    """Found by the property suite: `"²".isdigit()` is true, `int("²")` raises."""
    found = lint('FROM python:3.13-slim\nEXPOSE \u00b2\nCMD ["gunicorn", "app:app"]\n')
    assert any(f.rule == "DW006" and "not a port" in f.message for f in found)
