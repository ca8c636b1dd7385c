"""Just enough shell to read RUN lines: split into simple commands, find the program each one runs.

Not a shell parser: quotes, comments, `&&`/`||`/`;`/`|` and heredoc scripts are handled; anything it cannot
tokenize falls back to whitespace splitting, so a rule sees words, never an exception. Linear time on any line.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass
from functools import cache, cached_property

from dockwise.dockerfile.parse import Instruction

_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "(", ")", ";;", "|&"})
_WRAPPERS = frozenset({"sudo", "env", "exec", "command", "time", "nice", "nohup", "eval", "su-exec", "gosu"})


@dataclass(frozen=True)
class Command:
    """One simple command: its words, and the operator that follows it (`|` means piped into the next)."""

    words: tuple[str, ...]
    then: str

    @cached_property  # rules ask each command's argv over and over
    def argv(self) -> tuple[str, ...]:
        """The words after leading `VAR=value` assignments and wrappers such as `sudo` or `env`."""
        words = list(self.words)
        while words:
            head = words[0]
            if "=" in head and not head.startswith("-") and head.split("=", 1)[0].replace("_", "").isalnum():
                words.pop(0)
            elif posixpath.basename(head) in _WRAPPERS:
                words.pop(0)
                while words and words[0].startswith("-"):
                    words.pop(0)
            else:
                break
        return tuple(words)

    @cached_property
    def program(self) -> str:
        argv = self.argv
        return posixpath.basename(argv[0]) if argv else ""


def scripts(instruction: Instruction) -> list[str]:
    """The shell text a RUN executes: its command line and the bodies of its heredocs."""
    if instruction.json:
        return [shlex.join(instruction.args)]
    texts = list(instruction.args[:1])
    texts.extend(h.content for h in instruction.heredocs)
    return texts


@cache  # many rules ask about each RUN in turn; `lint_text` clears it for each Dockerfile
def commands(instruction: Instruction) -> tuple[Command, ...]:
    """Every simple command of a RUN (shell or exec form, heredocs included). Cached: many rules ask."""
    if instruction.json:
        return (Command(tuple(instruction.args), ""),)
    out: list[Command] = []
    for text in scripts(instruction):
        for line in text.replace("\\\n", " ").split("\n"):
            out.extend(split_commands(line))
    return tuple(out)


def split_commands(text: str) -> list[Command]:
    tokens = _tokens(text)
    out: list[Command] = []
    words: list[str] = []
    for token in tokens:
        if token in _SEPARATORS:
            if words:
                out.append(Command(tuple(words), token))
            words = []
        else:
            words.append(token)
    if words:
        out.append(Command(tuple(words), ""))
    return out


# One token: blanks, a run of operator characters, a word (plain runs, `\\x`, '...', "..." glued together), or the
# start of a quote that never closes. Possessive quantifiers: a linear scan, whatever the line (shlex's tokenizer
# grew a token one character at a time, quadratic on a 1 MB RUN line).
_TOKEN = re.compile(
    r"""(?P<blank>[ \t\r\n]++)|(?P<operator>[;&|()]++)"""
    r"""|(?P<word>(?:[^ \t\r\n;&|()'"\\]++|\\.|'[^']*+'|"(?:[^"\\]++|\\.)*+")++)|(?P<bad>.)""",
    re.DOTALL,
)
_PART = re.compile(r"[^'\"\\]++|\\(.)|'([^']*+)'|\"((?:[^\"\\]++|\\.)*+)\"", re.DOTALL)
_IN_DOUBLE_QUOTES = re.compile(r'\\([$`"\\])')


_PLAIN = re.compile(r"[;&|()]++|[^ \t\r\n;&|()]++")


def _tokens(text: str) -> list[str]:
    """Words and operators as a POSIX shell splits them (quotes removed, `#` starts a comment only where a word
    would start); anything unbalanced falls back to splitting on blanks."""
    if not any(c in text for c in "'\"\\#"):  # nothing to unquote or cut: one regex pass
        return _PLAIN.findall(text)
    out: list[str] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "bad":
            return text.split()
        if kind == "operator":
            out.append(match.group())
        elif kind == "word":
            word = match.group()
            if word.startswith("#"):
                break
            out.append("".join(_unquote(part) for part in _PART.finditer(word)))
    return out


def _unquote(part: re.Match[str]) -> str:
    escaped, single, double = part.groups()
    if escaped is not None:
        return escaped
    if single is not None:
        return single
    if double is not None:
        return _IN_DOUBLE_QUOTES.sub(r"\1", double)
    return part.group()


def has_option(argv: tuple[str, ...], *names: str) -> bool:
    """Whether any of `names` (`--long`, `-s`) is among the words, `--long=value` and short flag clusters included."""
    for word in argv:
        for name in names:
            if word == name or (name.startswith("--") and word.startswith(name + "=")):
                return True
            if len(name) == 2 and name[0] == "-" and word.startswith("-") and not word.startswith("--") and name[1] in word[1:]:
                return True
    return False
