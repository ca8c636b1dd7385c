"""Python code the host's parser refuses but a newer Python accepts, read as a host `ast.Module` with its lines kept.

dockwise runs on Python 3.11 and reads apps written for 3.12 and 3.13: `type X = ...` statements and PEP 695 type
parameters (`def f[T]`, `class C[T]`), PEP 696 defaults (`[T = int]`, 3.13) and PEP 701 f-strings (the outer quote
inside a replacement field, nesting, backslashes, comments). A file the host's `ast` parses is never touched here.
Any other is parsed with LibCST, whose parser knows the grammar up to 3.14, and only those constructs are
rewritten into code 3.11 reads, every statement on its original line, so every reader of `ast` (entry points, ports,
writes, routes, imports) works on it unchanged and cites the right line:

- `type X[T] = V` becomes the annotation `X: V` (an alias binds nothing at import: its value is evaluated lazily);
- type parameters are dropped (their newlines become backslash continuations);
- an f-string 3.11 cannot read becomes `"".join((TEXT, format(EXPR, SPEC), ...))`, its expressions kept verbatim.

Then the host's `ast` parses the result; whatever still fails is a real syntax error, reported at its line.

Chosen by measurement (2026-12-07, host 3.11.7; 14 constructs of 3.12/3.13 and 7 real syntax errors;
fastapi-realworld, the corpus's largest app, 72 files 71 KiB, on the shared 2-core machine under load):

| parser | 3.12/3.13 constructs | errors found | parse 71 KiB | import | installed |
|---|---|---|---|---|---|
| host `ast` (3.11) | 1/14 | 7/7 | 190 ms | 0 | stdlib |
| LibCST 1.9.0 | 14/14 | 7/7 | 1430 ms | 2.2 s | 15 MB + PyYAML (already a dependency) |
| parso 0.8.7 | 7/14 (no `type`, no PEP 701) | 7/7 | 1810 ms | 0.6 s | 0.8 MB |
| tree-sitter 0.26 + tree-sitter-python 0.25 | 13/14 (no PEP 696 defaults) | 7/7 | 85 ms | 0.1 s | 2.7 MB |

LibCST is the only one that reads every construct, and it is kept off the common path: imported only when a file
fails the host's `ast`, so its import and parse cost fall only on the files that need it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from dockwise.pyapp.evidence import Evidence

_EMPTY = cst.Module(body=[])
_Generic = TypeVar("_Generic", cst.FunctionDef, cst.ClassDef)
_CONVERSIONS = {"r": "repr", "s": "str", "a": "ascii"}


@dataclass(frozen=True)
class NewerSyntax:
    """The first construct in a file that needs a Python newer than 3.11, and the version that reads it."""

    version: str
    what: str
    evidence: Evidence


@dataclass(frozen=True)
class InvalidSyntax:
    """Code neither the host nor Python 3.13 reads (a real error, or 3.14 syntax): `line` is where parsing stopped."""

    line: int
    message: str


def _code(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node)


def _continuations(*nodes: object) -> cst.SimpleWhitespace:
    """Whitespace holding as many backslash continuations as the dropped nodes held newlines (lines kept)."""
    newlines = sum(_code(n).count("\n") for n in nodes if isinstance(n, cst.CSTNode))
    return cst.SimpleWhitespace("\\\n" * newlines)


def _host_reads(code: str) -> bool:
    try:
        ast.parse(code, mode="eval")
    except SyntaxError:
        return False
    return True


def _join(pieces: list[str]) -> str:
    return '"".join((' + ", ".join(pieces) + ",))" if pieces else '""'


class _Rewriter(cst.CSTTransformer):
    """Turns the constructs 3.11 cannot read into ones it can, remembering the newest version one needed."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, path: str, lines: list[str]) -> None:
        super().__init__()
        self.path = path
        self.lines = lines
        self.found: list[NewerSyntax] = []
        self._in_concatenation: set[int] = set()  # ids of the strings an implicit concatenation joins

    def _note(self, node: cst.CSTNode, version: str, what: str) -> None:
        line = self.get_metadata(PositionProvider, node).start.line
        self.found.append(NewerSyntax(version, what, Evidence(self.path, line, self.lines[line - 1].strip())))

    def _note_parameters(self, node: cst.CSTNode, parameters: cst.TypeParameters | None) -> None:
        if parameters is None:
            return
        if any(p.default is not None for p in parameters.params):
            self._note(node, "3.13", "a type parameter default (PEP 696)")
        else:
            self._note(node, "3.12", "type parameters (PEP 695)")

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        return self._without_parameters(original, updated)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        return self._without_parameters(original, updated)

    def _without_parameters(self, original: _Generic, updated: _Generic) -> _Generic:
        if updated.type_parameters is None:
            return updated
        self._note_parameters(original, original.type_parameters)
        return updated.with_changes(
            type_parameters=None,
            whitespace_after_type_parameters=cst.SimpleWhitespace(""),
            whitespace_after_name=_continuations(
                updated.whitespace_after_name, updated.type_parameters, updated.whitespace_after_type_parameters
            ),
        )

    def leave_TypeAlias(self, original: cst.TypeAlias, updated: cst.TypeAlias) -> cst.AnnAssign:
        self._note(original, "3.12", "a `type` statement (PEP 695)")
        self._note_parameters(original, original.type_parameters)
        return cst.AnnAssign(
            target=updated.name,
            annotation=cst.Annotation(
                updated.value,
                whitespace_before_indicator=_continuations(
                    updated.whitespace_after_type,
                    updated.whitespace_after_name,
                    updated.type_parameters,
                    updated.whitespace_after_type_parameters,
                    updated.whitespace_after_equals,
                ),
                whitespace_after_indicator=cst.SimpleWhitespace(" "),
            ),
            value=None,
            semicolon=updated.semicolon,
        )

    def _replacement(self, original: cst.FormattedString, updated: cst.FormattedString) -> str | None:
        """3.11 code for an f-string it cannot read (the same number of lines), or None when it reads it."""
        code = _code(updated)
        if _host_reads(code):
            return None
        self._note(original, "3.12", "an f-string only Python 3.12+ reads (PEP 701)")
        prefix = re.sub("[fF]", "", updated.start[: -len(updated.end)])
        rendered = _join(_pieces(updated.parts, prefix, updated.end))
        missing = code.count("\n") - rendered.count("\n")  # a debug `{x=}` spanning lines: its text is escaped
        return "(" + rendered + "\n" * missing + ")"

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        self._in_concatenation.update((id(node.left), id(node.right)))

    def leave_FormattedString(self, original: cst.FormattedString, updated: cst.FormattedString) -> cst.BaseExpression:
        if id(original) in self._in_concatenation:
            return updated  # a call cannot be implicitly concatenated: the outermost concatenation rewrites it
        replacement = self._replacement(original, updated)
        return updated if replacement is None else cst.parse_expression(replacement)

    def leave_ConcatenatedString(
        self, original: cst.ConcatenatedString, updated: cst.ConcatenatedString
    ) -> cst.BaseExpression:
        if id(original) in self._in_concatenation:
            return updated
        pieces = [(_code(ws), *self._string(o, u)) for ws, o, u in _flatten(original, updated, None)]
        if not any(rewritten for _, _, rewritten in pieces):
            return updated
        return cst.parse_expression("(" + " + ".join(ws + code for ws, code, _ in pieces) + ")")

    def _string(self, original: cst.CSTNode, updated: cst.CSTNode) -> tuple[str, bool]:
        if isinstance(original, cst.FormattedString) and isinstance(updated, cst.FormattedString):
            replacement = self._replacement(original, updated)
            if replacement is not None:
                return replacement, True
        return _code(updated), False


def _flatten(
    original: cst.BaseExpression, updated: cst.BaseExpression, space: cst.BaseParenthesizableWhitespace | None
):
    """The strings of an implicit concatenation, in order, each with the whitespace before it (original, updated)."""
    if isinstance(original, cst.ConcatenatedString) and isinstance(updated, cst.ConcatenatedString):
        yield from _flatten(original.left, updated.left, space)
        yield from _flatten(original.right, updated.right, updated.whitespace_between)
    else:
        yield space or cst.SimpleWhitespace(""), original, updated


def _text(value: str, prefix: str, quote: str) -> str:
    text = value.replace("{{", "{").replace("}}", "}")
    if len(quote) == 3 and text.endswith(quote[0]):
        text = text[:-1] + "\\" + quote[0]
    return prefix + quote + text + quote


def _pieces(parts: Sequence[cst.BaseFormattedStringContent], prefix: str, quote: str) -> list[str]:
    pieces: list[str] = []
    for part in parts:
        if isinstance(part, cst.FormattedStringText):
            pieces.append(_text(part.value, prefix, quote))
            continue
        assert isinstance(part, cst.FormattedStringExpression)
        source = _code(part.whitespace_before_expression) + _code(part.expression)
        value = "(" + source + _code(part.whitespace_after_expression) + ")"
        conversion = part.conversion or ("r" if part.equal is not None and part.format_spec is None else None)
        if conversion:
            value = f"{_CONVERSIONS[conversion]}({value})"
        if part.equal is not None:
            debug = source + _code(part.equal.whitespace_before) + "=" + _code(part.equal.whitespace_after)
            pieces.append(repr(debug))
        spec = _join(_pieces(part.format_spec, prefix, quote)) if part.format_spec is not None else None
        pieces.append(f"format({value}, {spec})" if spec is not None else f"format({value})")
    return pieces


def _newer_only(line: str) -> bool:
    """Whether a line the host refused is one LibCST reads on its own (a newer construct, not the error)."""
    statement = line.strip()
    try:
        cst.parse_statement(statement + (" pass" if statement.endswith(":") else ""))
    except (cst.ParserSyntaxError, RecursionError):
        return False
    return True


def _invalid(text: str, refused: SyntaxError, exc: cst.ParserSyntaxError) -> InvalidSyntax:
    """Where the code is invalid: the host's line and words unless that line only holds a newer construct."""
    lines = text.splitlines()
    host_line = refused.lineno or 0
    if 0 < host_line <= len(lines) and not _newer_only(lines[host_line - 1]):
        return InvalidSyntax(host_line, refused.msg)
    detail = re.sub(r"^(parser|tokenizer) error: (error at [0-9]+:[0-9]+: )?", "", exc.message)
    return InvalidSyntax(exc.raw_line, "invalid syntax" if detail.startswith("expected one of") else detail)


def rewrite(text: str, path: str, refused: SyntaxError) -> tuple[ast.Module, NewerSyntax | None] | InvalidSyntax:
    """`text`, which the host's `ast` `refused`, as a host AST with the newest construct it needed; or, when no
    Python reads it, where it is invalid."""
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        return _invalid(text, refused, exc)
    except RecursionError:
        return InvalidSyntax(1, "nests too deeply to parse")
    rewriter = _Rewriter(path, text.split("\n"))
    code = MetadataWrapper(module, unsafe_skip_copy=True).visit(rewriter).code
    try:
        tree = ast.parse(code, filename=path)
    except SyntaxError as exc:  # LibCST's grammar is looser than CPython's (`1 = x`): the host has the last word
        return InvalidSyntax(exc.lineno or 1, exc.msg)
    newest = max(rewriter.found, key=lambda f: (f.version, -(f.evidence.line or 0)), default=None)
    return tree, newest
