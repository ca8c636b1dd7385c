"""Just enough shell to read RUN lines: split into simple commands, find the program each one runs.

Not a shell parser (ShellCheck is the one that reads RUN scripts as shell, see `dockwise.dockerfile.shellcheck`):
quotes, backslashes, comments, `$(...)`/backticks/`${...}` inside words, `&&`/`||`/`;`/`|`/`&` and heredoc scripts
are handled, and reserved words (`if`, `then`, `do`...) are stepped over, so a rule sees the programs a script runs.
A `#` starts a comment only at the start of a word, and a backtick pair whose text is a comment (the
`` `# why` `` idiom for commenting a continued line) is dropped, not read to the end of the line.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass
from functools import cache, cached_property

from dockwise.dockerfile.parse import Instruction

_OPERATORS = ("&&", "||", ";;", "|&", ";", "|", "&", "(", ")", "\n")
_WRAPPERS = frozenset({"sudo", "env", "exec", "command", "time", "nice", "nohup", "eval", "su-exec", "gosu"})
_RESERVED = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "case", "esac", "in"}
)
_POSIX_SHELLS = frozenset({"sh", "bash", "dash", "ash", "ksh", "mksh", "busybox"})


@dataclass(frozen=True)
class Command:
    """One simple command: its words, and the operator that follows it (`|` means piped into the next)."""

    words: tuple[str, ...]
    then: str

    @cached_property  # rules ask each command's argv over and over
    def argv(self) -> tuple[str, ...]:
        """The words after reserved words, leading `VAR=value` assignments and wrappers such as `sudo` or `env`."""
        words = list(self.words)
        while words:
            head = words[0]
            if head in _RESERVED or (
                "=" in head and not head.startswith("-") and head.split("=", 1)[0].replace("_", "").isalnum()
            ):
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


def is_posix_shell(shell: tuple[str, ...]) -> bool:
    """Whether a `SHELL` (its argv; empty = the default `/bin/sh -c`) reads POSIX shell, not powershell or cmd."""
    return not shell or posixpath.basename(shell[0].replace("\\", "/")).lower() in _POSIX_SHELLS


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
        out.extend(split_commands(text))
    return tuple(out)


def split_commands(text: str) -> list[Command]:
    out: list[Command] = []
    words: list[str] = []
    for token, is_operator in _tokens(text):
        if is_operator:
            if words:
                out.append(Command(tuple(words), token))
            words = []
        else:
            words.append(token)
    if words:
        out.append(Command(tuple(words), ""))
    return out


# A line with nothing to unquote, expand, cut or redirect splits in one regex pass (the same tokens as the loop below;
# a 1 MB Dockerfile of RUN lines spends a second less).
_PLAIN_TEXT = re.compile(r"[^'\"\\#$`<>\n]*+")
_PLAIN_TOKEN = re.compile(r"(&&|\|\||;;|\|&|[;|&()])|[^ \t\r;&|()]++")


def _tokens(text: str) -> list[tuple[str, bool]]:
    """(token, is_operator) pairs. Quotes are removed from words; `$(...)`, `${...}` and backticks stay verbatim."""
    if _PLAIN_TEXT.fullmatch(text):
        return [(m.group(), m.group(1) is not None) for m in _PLAIN_TOKEN.finditer(text)]
    tokens: list[tuple[str, bool]] = []
    word: list[str] = []
    started = False  # a word is open (even an empty one, as in "")
    i, n = 0, len(text)

    def close() -> None:
        nonlocal started
        if started:
            tokens.append(("".join(word), False))
        word.clear()
        started = False

    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            if text[i + 1] != "\n":  # a backslash-newline joins lines
                word.append(text[i + 1])
                started = True
            i += 2
        elif ch in " \t\r":
            close()
            i += 1
        elif ch == "#" and not started:
            while i < n and text[i] != "\n":
                i += 1
        elif ch == "'":
            end = text.find("'", i + 1)
            end = n if end < 0 else end
            word.append(text[i + 1 : end])
            started, i = True, end + 1
        elif ch == '"':
            i = _double_quoted(text, i + 1, word)
            started = True
        elif ch == "`":
            end = text.find("`", i + 1)
            end = n if end < 0 else end
            inner = text[i + 1 : end]
            if not inner.lstrip().startswith("#"):
                word.append(text[i : end + 1])
                started = True
            i = end + 1
        elif ch == "$" and i + 1 < n and text[i + 1] in "({":
            end = _balanced(text, i + 1)
            word.append(text[i:end])
            started, i = True, end
        elif ch in "<>" and i + 1 < n and text[i + 1] == "&":  # 2>&1, <&3: a redirection, not `&`
            word.append(text[i : i + 2])
            started, i = True, i + 2
        else:
            operator = next((op for op in _OPERATORS if text.startswith(op, i)), None)
            if operator is None:
                word.append(ch)
                started = True
                i += 1
            else:
                close()
                tokens.append((";" if operator == "\n" else operator, True))
                i += len(operator)
    close()
    return tokens


def _double_quoted(text: str, i: int, word: list[str]) -> int:
    n = len(text)
    while i < n and text[i] != '"':
        if text[i] == "\\" and i + 1 < n and text[i + 1] in '"\\$`\n':
            if text[i + 1] != "\n":
                word.append(text[i + 1])
            i += 2
        elif text[i] == "$" and i + 1 < n and text[i + 1] in "({":
            end = _balanced(text, i + 1)
            word.append(text[i:end])
            i = end
        else:
            word.append(text[i])
            i += 1
    return i + 1


def _balanced(text: str, i: int) -> int:
    """The index after the bracket closing the one at `i` (`(` or `{`), quotes inside skipped."""
    opening = text[i]
    closing = ")" if opening == "(" else "}"
    depth, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "'" and opening == "(":
            end = text.find("'", i + 1)
            i = n if end < 0 else end + 1
            continue
        if ch == opening:
            depth += 1
        elif ch == closing:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def has_option(argv: tuple[str, ...], *names: str) -> bool:
    """Whether any of `names` (`--long`, `-s`) is among the words, `--long=value` and short flag clusters included."""
    for word in argv:
        for name in names:
            if word == name or (name.startswith("--") and word.startswith(name + "=")):
                return True
            if (
                len(name) == 2
                and name[0] == "-"
                and word.startswith("-")
                and not word.startswith("--")
                and name[1] in word[1:]
            ):
                return True
    return False


def has_long_option(argv: tuple[str, ...], name: str, shortest: str) -> bool:
    """Whether `--name` is among the words, also as an unambiguous prefix at least as long as `shortest`: Python's
    optparse/argparse (pip's parser) accept `--no-cache` for `--no-cache-dir`."""
    for word in argv:
        option = word.split("=", 1)[0]
        if option.startswith(shortest) and name.startswith(option):
            return True
    return False
