"""Inline pragmas (next instruction, stage, file) and settings from pyproject.toml / .dockwise.toml."""

from __future__ import annotations

import pytest

from dockwise.core.config import find_config, load_config
from dockwise.core.errors import DockwiseError
from dockwise.core.findings import Severity
from tests.dockerfile.helpers import lint, rule_ids

BAD_PIP = "RUN pip install flask==3.1.0\n"


def lines_of(findings, rule):
    return [f.line for f in findings if f.rule == rule]


def test_next_instruction_pragma_with_reason():
    text = "FROM python:3.13-slim\n# dockwise: ignore=DW005 -- a throwaway image\n" + BAD_PIP + BAD_PIP
    assert lines_of(lint(text), "DW005") == [4]


def test_stage_pragma_covers_the_stage_only():
    text = (
        "FROM python:3.13-slim AS a\n# dockwise: stage ignore=DW005,DW104\nRUN pip install flask\nRUN pip install x\n"
        "FROM a\n" + BAD_PIP
    )
    assert lines_of(lint(text), "DW005") == [6]
    assert lines_of(lint(text), "DW104") == []


def test_global_pragma_anywhere_and_not_inside_heredocs():
    text = (
        'FROM python:3.13-slim\nRUN <<EOF\n# dockwise: global ignore=DW008\nEOF\nCMD ["python", "-m", "http.server"]\n'
    )
    assert "DW008" in rule_ids(lint(text))
    assert "DW008" not in rule_ids(lint(text + "# dockwise: global ignore=DW008\n"))


def test_config_from_pyproject_and_dockwise_toml(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname="x"\n[tool.dockwise]\nfailure-threshold = "error"\nignore = ["dw113"]\nenable = ["DW112"]\nseverity = { DW112 = "warning" }\n'
    )
    sub = tmp_path / "sub"
    sub.mkdir()
    config = find_config(sub)
    assert config.failure_threshold is Severity.ERROR and config.ignore == {"DW113"}
    found = lint('FROM python:3.13-slim\nUSER 1\nCMD ["gunicorn", "app:app"]\n', config=config)
    assert "DW113" not in rule_ids(found)
    assert next(f for f in found if f.rule == "DW112").severity is Severity.WARNING
    (sub / ".dockwise.toml").write_text('ignore = ["DW112"]\n')
    assert find_config(sub).ignore == {"DW112"}


def test_bad_config_is_a_clear_error(tmp_path):
    path = tmp_path / ".dockwise.toml"
    path.write_text('ignor = ["DW001"]\n')
    with pytest.raises(DockwiseError, match="unknown setting"):
        load_config(path)
    path.write_text("ignore = [\n")
    with pytest.raises(DockwiseError) as err:
        load_config(path)
    assert err.value.exit_code == 2


def test_buildkit_check_directive_skips_the_matching_rules():
    text = "FROM python:3.13-slim\nUSER 1\nEXPOSE 80/TCP\nCMD python3 -m http.server\n"
    assert {"DW006", "DW007"} <= rule_ids(lint(text))
    skipped = rule_ids(lint("# check=skip=JSONArgsRecommended;error=true\n" + text))
    assert "DW007" not in skipped and "DW006" in skipped
    assert not {"DW006", "DW007"} & rule_ids(lint("# check=skip=all\n" + text))


def test_policy_settings_are_read_and_validated(tmp_path):
    path = tmp_path / ".dockwise.toml"
    path.write_text('enable = ["dw112"]\npin = ["pip", "apt"]\nshellcheck = false\nshellcheck-severity = "info"\n')
    config = load_config(path)
    assert config.enable == {"DW112"} and config.pins("apt") and not config.pins("apk")
    assert config.shellcheck is False and config.shellcheck_severity == "info"
    apt = "FROM debian:trixie-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n"
    assert "DW126" in rule_ids(lint(apt, config=config)) and "DW126" not in rule_ids(lint(apt))
    for bad, match in (
        ('pin = ["npm"]\n', "unknown pin kind"),
        ('shellcheck = "yes"\n', "true or false"),
        ('shellcheck-severity = "loud"\n', "shellcheck-severity"),
        ('enable = "DW112"\n', "bad dockwise settings"),
    ):
        path.write_text(bad)
        with pytest.raises(DockwiseError, match=match):
            load_config(path)
