"""One vocabulary on the command line: an option name means one thing in every command that takes it, `--json` is
always a flag, the old spellings still work for one release and say so, exit codes are named, never literal."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from dockwise.cli import main
from dockwise.cli_options import FORMAT_HELP_PREFIX, RENAMED, respell

SRC = Path(__file__).resolve().parents[1] / "src"


def _meaning(option: click.Option) -> dict:
    """What an option is, whatever its default: its spellings, kind, type (choices and all) and help."""
    info = option.to_info_dict()
    meaning = {key: info[key] for key in ("opts", "secondary_opts", "is_flag", "multiple", "nargs", "count")}
    meaning["metavar"] = option.metavar
    if option.name == "fmt":  # --format: the formats are each command's own; what the option means is shared
        meaning["type"] = info["type"]["param_type"]
        meaning["help"] = (option.help or "").startswith(FORMAT_HELP_PREFIX + ": ")
    else:
        meaning["type"] = info["type"]
        meaning["help"] = option.help
    return meaning


def conflicts(group: click.Group) -> dict[str, list[str]]:
    """Option spellings whose meaning differs between commands, with the commands of each meaning."""
    seen: dict[str, dict[str, list[str]]] = {}
    for name, command in sorted(group.commands.items()):
        for param in command.params:
            if isinstance(param, click.Option):
                for spelling in (*param.opts, *param.secondary_opts):
                    seen.setdefault(spelling, {}).setdefault(repr(_meaning(param)), []).append(name)
    return {
        spelling: sorted(n for names in kinds.values() for n in names)
        for spelling, kinds in seen.items()
        if len(kinds) > 1
    }


def test_each_option_name_means_one_thing_in_every_command():
    assert conflicts(main) == {}
    shared = {  # the point of the module: these are in several commands, so the check above bites on them
        spelling
        for spelling in ("--json", "-o", "--format", "--platform", "--health-path", "--port", "--run-profile", "--tag")
        if sum(1 for c in main.commands.values() for p in c.params if spelling in getattr(p, "opts", ())) > 1
    }
    assert len(shared) == 8


def test_the_meaning_check_can_fail():
    group = click.Group("g")
    group.command("a")(click.option("--json", "as_json", is_flag=True, help="Print JSON.")(lambda as_json: None))
    group.command("b")(click.option("--json", "path", type=click.Path(), help="Write JSON here.")(lambda path: None))
    group.command("c")(click.option("--format", "fmt", type=click.Choice(["x"]), help="X.")(lambda fmt: None))
    group.command("d")(
        click.option("--format", "fmt", type=click.Choice(["y"]), help=f"{FORMAT_HELP_PREFIX}: y.")(lambda fmt: None)
    )
    assert conflicts(group) == {"--json": ["a", "b"], "--format": ["c", "d"]}


def test_json_is_always_a_flag_and_profile_is_the_base_profile():
    for command in main.commands.values():
        for param in command.params:
            if "--json" in getattr(param, "opts", ()):
                assert param.is_flag, command.name
            if "--profile" in getattr(param, "opts", ()):
                assert command.name == "base"


def _parse(command: str, args: list[str]) -> dict:
    with main.commands[command].make_context(command, args, parent=click.Context(main)) as ctx:
        return ctx.params


@pytest.mark.parametrize(
    ("command", "args", "param", "value", "notes"),
    [
        ("demo", ["--profile", "default"], "run_profile_name", "default", ["--profile"]),
        ("demo", ["--profile=default"], "run_profile_name", "default", ["--profile"]),
        ("compare", ["img", "--profile", "default"], "run_profile_name", "default", ["--profile"]),
        ("demo", ["--json", "r.json"], "report_json", Path("r.json"), ["--json"]),
        ("demo", ["--html", "r.html"], "report_html", Path("r.html"), ["--html"]),
        ("slim", ["img", "--report", "s.json"], "report_json", Path("s.json"), ["--report"]),
        ("demo", ["--run-profile", "default"], "run_profile_name", "default", []),
        ("demo", ["--health-path", "--profile"], "health_path", "--profile", []),  # a value, not an option
        ("demo", ["--", "--json"], "app_dir", Path("--json"), []),  # an argument after --
    ],
)
def test_old_spellings_still_work_with_a_note(command, args, param, value, notes, capsys):
    assert _parse(command, args)[param] == value
    printed = capsys.readouterr().err.splitlines()
    assert [line.split(": ", 1)[1].split(" is deprecated")[0] for line in printed] == notes
    assert all("(the old spelling goes in the next release)" in line for line in printed)


def test_the_note_is_one_line_on_stderr_from_the_command_line():
    result = CliRunner().invoke(main, ["compare", "--profile", "default", "--help"])
    assert result.exit_code == 0 and "--run-profile" in result.stdout
    assert result.stderr == (
        "dockwise compare: --profile is deprecated, use --run-profile (the old spelling goes in the next release)\n"
    )


def test_every_renamed_spelling_is_gone_from_its_command_and_its_new_one_is_there():
    for renamed in RENAMED:
        spellings = {s for p in main.commands[renamed.command].params for s in getattr(p, "opts", ())}
        assert renamed.new in spellings and renamed.old not in spellings, renamed


def test_respell_leaves_other_commands_alone():
    assert respell("base", ["--profile", "faithful", "--json"], frozenset({"--profile"}), print) == [
        "--profile",
        "faithful",
        "--json",
    ]


def test_no_exit_code_is_a_literal_number():
    literal = re.compile(r"exit_code\s*=\s*\d|(sys|ctx)\.exit\(\s*\d")
    found = [
        f"{path.relative_to(SRC)}:{number}"
        for path in sorted(SRC.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if literal.search(line)
    ]
    assert found == []


def test_docs_cli_lists_every_shared_option_every_old_spelling_and_every_exit_code():
    from dockwise.core import errors

    text = (SRC.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    commands_of: dict[str, set[str]] = {}
    for command in main.commands.values():
        for param in command.params:
            for spelling in getattr(param, "opts", ()):
                commands_of.setdefault(spelling, set()).add(command.name or "")
    shared = sorted(s for s, names in commands_of.items() if len(names) > 1 and s.startswith("-"))
    assert [s for s in shared if f"`{s}" not in text and f" {s}" not in text] == []
    rows = re.findall(r"^\| `(\w+)` \| `(--[\w-]+)[^`]*` \| `(--[\w-]+)", text, re.MULTILINE)
    assert sorted(rows) == sorted((r.command, r.old, r.new) for r in RENAMED)
    for name in dir(errors):
        if name.startswith("EXIT_") and isinstance(getattr(errors, name), int):
            assert f"| {getattr(errors, name)} | `{name}` |" in text, name
