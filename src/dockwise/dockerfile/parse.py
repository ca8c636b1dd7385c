"""Parse a Dockerfile the way BuildKit does, and keep going after a syntax error.

The grammar itself comes from `e2b-dockerfile-utils`, a line-for-line Python port of BuildKit's
`frontend/dockerfile/parser` (directives, continuations with comments and blank lines, heredocs, flags, JSON form).
This module adds what a linter needs on top: frozen instructions with columns, the parser directives as data,
ONBUILD bodies parsed as instructions, and recovery — a syntax error becomes a `ParseError` and parsing resumes
after the broken instruction, so one bad line does not hide the rest of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from e2b_dockerfile_utils import (
    DockerfileInstruction,
    DockerfileSyntaxError,
    parse_dockerfile_ast,
)

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_DIRECTIVE_KEYS = frozenset({"syntax", "escape", "check"})
_LINES = re.compile(r"[^\n]*\n|[^\n]+$")
_MAX_ERRORS = 25


@dataclass(frozen=True)
class Heredoc:
    name: str
    content: str
    chomp: bool
    expand: bool


@dataclass(frozen=True)
class Instruction:
    """One instruction; `keyword` is upper-case, `written` as in the file. Lines and columns are 1-based."""

    keyword: str
    written: str
    flags: tuple[str, ...]
    args: tuple[str, ...]
    json: bool
    heredocs: tuple[Heredoc, ...]
    line: int
    end_line: int
    column: int
    original: str
    onbuild: Instruction | None = None

    def flag(self, name: str) -> str | None:
        """The value of the last `--name=value` flag (`""` for a bare `--name`), or None when absent."""
        values = self.flag_values(name)
        return values[-1] if values else None

    def flag_values(self, name: str) -> tuple[str, ...]:
        prefix = f"--{name}"
        out = []
        for flag in self.flags:
            if flag == prefix:
                out.append("")
            elif flag.startswith(prefix + "="):
                out.append(flag[len(prefix) + 1 :])
        return tuple(out)


@dataclass(frozen=True)
class ParseError:
    line: int
    message: str


@dataclass(frozen=True)
class ParseWarning:
    line: int
    message: str


@dataclass(frozen=True)
class Dockerfile:
    """A parsed Dockerfile: instructions in order, the leading directives, and what did not parse."""

    text: str
    lines: tuple[str, ...]
    instructions: tuple[Instruction, ...]
    directives: dict[str, str]
    escape: str
    errors: tuple[ParseError, ...]
    warnings: tuple[ParseWarning, ...]


def split_lines(text: str) -> list[str]:
    """Lines with their newline, split only on `\\n` as BuildKit's scanner does."""
    return _LINES.findall(text)


def parse(text: str) -> Dockerfile:
    """Parse `text`; never raises for bad input — syntax errors come back in `Dockerfile.errors`."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = split_lines(text)
    directives = _directives(lines)
    escape = directives.get("escape", "\\")
    if escape not in ("\\", "`"):
        escape = "\\"
    errors: list[ParseError] = []
    work = list(lines)
    ast = None
    while ast is None:
        try:
            ast = parse_dockerfile_ast("".join(work))
        except DockerfileSyntaxError as err:
            line = err.line or 1
            errors.append(ParseError(line, _message(err)))
            if len(errors) >= _MAX_ERRORS or "heredoc" in str(err):
                work = work[: line - 1]
            else:
                _blank_instruction(work, line - 1, escape)
        except (ValueError, RecursionError) as err:
            errors.append(ParseError(1, f"cannot parse: {err}"))
            work = []
    instructions = []
    for raw in ast.instructions:
        instruction, error = _instruction(raw, work, escape)
        instructions.append(instruction)
        if error:
            errors.append(error)
    return Dockerfile(
        text=text,
        lines=tuple(line.rstrip("\r\n") for line in lines),
        instructions=tuple(instructions),
        directives=directives,
        escape=escape,
        errors=tuple(sorted(set(errors), key=lambda e: e.line)),
        warnings=tuple(ParseWarning(w.line, w.message) for w in ast.warnings),
    )


def _message(err: DockerfileSyntaxError) -> str:
    text = str(err)
    return text.split(": ", 1)[1] if text.startswith("Dockerfile parse error") and ": " in text else text


def _directives(lines: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for raw in lines:
        match = _DIRECTIVE.match(raw.rstrip("\r\n").lstrip(" \t"))
        if not match or match.group(1).lower() not in _DIRECTIVE_KEYS:
            break
        found.setdefault(match.group(1).lower(), match.group(2))
    return found


def _blank_instruction(work: list[str], index: int, escape: str) -> None:
    """Turn the instruction starting at `index` (and its continuation lines) into comments."""
    token = re.escape(escape)
    continued = re.compile(f"(?:^|[^{token}]){token}[ \\t]*$")
    first = True
    while index < len(work):
        line = work[index].rstrip("\r\n")
        work[index] = "#\n"
        index += 1
        stripped = line.strip()
        if not first and (not stripped or stripped.startswith("#")):
            continue
        first = False
        if not continued.search(line):
            return


def _column(work: list[str], line: int) -> int:
    if 0 < line <= len(work):
        text = work[line - 1]
        return len(text) - len(text.lstrip(" \t")) + 1
    return 1


def _instruction(raw: DockerfileInstruction, work: list[str], escape: str) -> tuple[Instruction, ParseError | None]:
    written = raw.original.strip().split(None, 1)[0] if raw.original.strip() else raw.name
    onbuild, error = None, None
    if raw.name == "ONBUILD":
        onbuild, error = _onbuild(raw, escape)
    return (
        Instruction(
            keyword=raw.name,
            written=written,
            flags=tuple(raw.flags),
            args=tuple(raw.args),
            json=raw.json,
            heredocs=tuple(Heredoc(h.name, h.content, h.chomp, h.expand) for h in raw.heredocs),
            line=raw.start_line,
            end_line=raw.end_line,
            column=_column(work, raw.start_line),
            original=raw.original,
            onbuild=onbuild,
        ),
        error,
    )


def _onbuild(raw: DockerfileInstruction, escape: str) -> tuple[Instruction | None, ParseError | None]:
    parts = raw.original.strip().split(None, 1)
    if len(parts) < 2:
        return None, ParseError(raw.start_line, "ONBUILD needs an instruction")
    prefix = "" if escape == "\\" else f"# escape={escape}\n"
    try:
        ast = parse_dockerfile_ast(prefix + parts[1])
    except (ValueError, RecursionError) as err:
        return None, ParseError(
            raw.start_line, f"ONBUILD: {_message(err) if isinstance(err, DockerfileSyntaxError) else err}"
        )
    if not ast.instructions:
        return None, ParseError(raw.start_line, "ONBUILD needs an instruction")
    inner = ast.instructions[0]
    if inner.name in ("ONBUILD", "FROM", "MAINTAINER"):
        return None, ParseError(raw.start_line, f"{inner.name} is not allowed inside ONBUILD")
    sub, _ = _instruction(inner, [], escape)
    return (
        Instruction(
            keyword=sub.keyword,
            written=sub.written,
            flags=sub.flags,
            args=sub.args,
            json=sub.json,
            heredocs=sub.heredocs,
            line=raw.start_line,
            end_line=raw.end_line,
            column=1,
            original=sub.original,
        ),
        None,
    )
