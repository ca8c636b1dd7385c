"""The parser follows BuildKit: directives, continuations, heredocs, flags, ONBUILD, and recovery after errors."""

from __future__ import annotations

import pytest

from dockwise.dockerfile.parse import parse


def test_directives_are_data_and_stop_at_the_first_other_line():
    df = parse("# syntax=docker/dockerfile:1\n# check=skip=JSONArgsRecommended\n# escape=`\nFROM a\n# escape=\\\n")
    assert df.directives == {"syntax": "docker/dockerfile:1", "check": "skip=JSONArgsRecommended", "escape": "`"}
    assert df.escape == "`"
    assert [i.keyword for i in df.instructions] == ["FROM"]


def test_escape_directive_changes_the_continuation_token():
    df = parse("# escape=`\nFROM a\nRUN dir `\n  c:\\\nCOPY a b\n")
    run = df.instructions[1]
    assert (run.line, run.end_line, run.args) == (3, 4, ("dir   c:\\",))


def test_comments_and_blank_lines_inside_a_continuation():
    df = parse("FROM a\nRUN apt-get update \\\n# a comment\n\n    && apt-get install -y x\nUSER 1000\n")
    run = df.instructions[1]
    assert run.args == ("apt-get update     && apt-get install -y x",)
    assert (run.line, run.end_line) == (2, 5)
    assert df.instructions[2].keyword == "USER" and df.instructions[2].line == 6
    assert [w.line for w in df.warnings] == [5]


def test_several_heredocs_quoted_and_chomped_then_a_comment_and_an_instruction():
    df = parse("FROM a\nRUN <<EOF cat > /x && <<-'EOT' sh\nhello $X\nEOF\n\techo hi\n\tEOT\n# after\nRUN echo after\n")
    run = df.instructions[1]
    assert [(h.name, h.content, h.chomp, h.expand) for h in run.heredocs] == [
        ("EOF", "hello $X\n", False, True),
        ("EOT", "\techo hi\n", True, False),
    ]
    assert df.instructions[2].args == ("echo after",) and df.instructions[2].line == 8
    assert not df.errors


def test_escaped_heredoc_delimiter_and_heredoc_after_a_continuation():
    df = parse('FROM a\nRUN <<-\\EOT\n\techo $X\n\tEOT\nRUN \\\n  <<EOF\necho\nEOF\nCMD ["a"]\n')
    assert [len(i.heredocs) for i in df.instructions] == [0, 1, 1, 0]
    # BuildKit compares quote counts only, so an escaped (unquoted) delimiter still expands, unlike in bash.
    assert df.instructions[1].heredocs[0].name == "EOT" and df.instructions[1].heredocs[0].expand is True
    assert df.instructions[3].json and df.instructions[3].args == ("a",)


def test_flags_are_split_from_arguments():
    df = parse(
        "FROM --platform=$BUILDPLATFORM a AS b\n"
        "RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=cacert pip install x\n"
        "COPY --link --chown=1:1 --chmod=755 --from=b /a /b\n"
        "ADD --checksum=sha256:abc https://x/y /z\n"
    )
    frm, run, copy, add = df.instructions
    assert frm.flag("platform") == "$BUILDPLATFORM" and frm.args == ("a", "AS", "b")
    assert run.flag_values("mount") == ("type=cache,target=/root/.cache/pip", "type=secret,id=cacert")
    assert (copy.flag("link"), copy.flag("chown"), copy.flag("chmod"), copy.flag("from")) == ("", "1:1", "755", "b")
    assert add.flag("checksum") == "sha256:abc" and add.args == ("https://x/y", "/z")


def test_onbuild_body_is_an_instruction():
    df = parse("FROM a\nONBUILD RUN echo hi\nONBUILD COPY --from=x a b\nONBUILD ONBUILD RUN x\n")
    first, second, third = df.instructions[1:]
    assert (first.onbuild.keyword, first.onbuild.args) == ("RUN", ("echo hi",))
    assert second.onbuild.flag("from") == "x" and second.onbuild.args == ("a", "b")
    assert third.onbuild is None and [e.line for e in df.errors] == [4]


def test_an_unknown_instruction_is_an_error_and_the_rest_still_parses():
    df = parse('FROM a\nRUNN pip install \\\n   flask\nUSER 1000\nCMD ["a", 1]\nEXPOSE 80\n')
    assert [(e.line, e.message.split(":")[0]) for e in df.errors] == [
        (2, "unknown instruction"),
        (5, "Only strings are supported in JSON arrays"),
    ]
    assert [i.keyword for i in df.instructions] == ["FROM", "USER", "EXPOSE"]


def test_an_unterminated_heredoc_keeps_what_came_before():
    df = parse("FROM a\nUSER 1\nRUN <<EOF\necho\n")
    assert [i.keyword for i in df.instructions] == ["FROM", "USER"]
    assert df.errors[0].line == 3 and "heredoc" in df.errors[0].message


def test_bom_crlf_and_lower_case():
    df = parse("\ufefffrom a as B\r\nrun echo\r\n")
    assert [(i.keyword, i.written) for i in df.instructions] == [("FROM", "from"), ("RUN", "run")]


def _go_view(src: str):
    dockerfile = pytest.importorskip("dockerfile")
    try:
        commands = dockerfile.parse_string(src)
    except dockerfile.GoParseError:
        return None
    return [(c.cmd.upper(), c.start_line, c.end_line, tuple(h.content for h in c.heredocs)) for c in commands]


def test_agrees_with_buildkits_go_parser_on_the_corpus(corpus):
    """asottile's `dockerfile` wraps BuildKit's own Go parser: instruction boundaries and heredocs must match."""
    compared = 0
    for path in corpus:
        src = path.read_text()
        expected = _go_view(src)
        df = parse(src)
        if expected is None:
            assert df.errors, path
            continue
        unknown = {e.line for e in df.errors if e.message.startswith("unknown instruction")}
        mine = [(i.keyword, i.line, i.end_line, tuple(h.content for h in i.heredocs)) for i in df.instructions]
        assert mine == [e for e in expected if e[1] not in unknown], path
        compared += 1
    assert compared >= 50


def test_linting_goes_on_after_a_parse_error():
    from dockwise.dockerfile.lint import lint_text

    found = lint_text("FROM python:3.13-slim\nRUNN echo oops\nUSER root\nCMD python3\n")
    assert [(f.rule, f.line, f.column) for f in found if f.rule in ("DW000", "DW007", "DW008")] == [
        ("DW000", 2, None),
        ("DW008", 3, 1),
        ("DW007", 4, 1),
    ]
