"""A Heroku-style Procfile: its `web:` command (which wins over detection) and its `release:` step."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.grammar import one_line, port_number
from dockwise.pyapp.scan import file_kind, read_app_file

_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")
_PORT_VARIABLE = re.compile(r"\$\{?PORT(?::-?([0-9]+))?\}?")
SHELL_OPERATORS = {";", "|", "||", "&", ">", "<", ">>", "(", ")", "`"}


@dataclass(frozen=True)
class ProcfileCommand:
    argv: tuple[str, ...]  # the server command, `$PORT` kept as the literal "$PORT"
    before: tuple[tuple[str, ...], ...]  # commands chained before it with && (setup steps the app runs)
    evidence: Evidence
    port_default: int | None  # ${PORT:-8000}
    shell_only: str | None  # why it cannot run without a shell, when it cannot


@dataclass(frozen=True)
class Procfile:
    web: ProcfileCommand | None
    release: ProcfileCommand | None


def _command(text: str, evidence: Evidence) -> ProcfileCommand:
    default = _PORT_VARIABLE.search(text)
    port_default = None
    if default and default.group(1):
        port_default = port_number(default.group(1))
        if port_default is None:
            raise DockwiseError(
                f"{evidence.where()}: {one_line(default.group(0)[:40])} is not a TCP port",
                "use a port from 1 to 65535 in the Procfile",
                exit_code=EXIT_USAGE,
            )
    normalised = _PORT_VARIABLE.sub("$PORT", text)
    lexer = shlex.shlex(normalised, posix=True, punctuation_chars="|&;<>()")
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError as exc:
        return ProcfileCommand((), (), evidence, port_default, f"it does not parse as a command ({exc})")
    operators = [t for t in tokens if (t in SHELL_OPERATORS and t != ";") or "$(" in t]
    variables = [t for t in tokens if "$" in t and t != "$PORT" and "$PORT" not in t]
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token in ("&&", ";"):  # `a; b; server` runs a and b first, as `a && b && server` does when they succeed
            parts.append([])
        else:
            parts[-1].append(token)
    shell_only = None
    if operators:
        shell_only = f"it uses the shell ({operators[0]})"
    elif variables:
        shell_only = f"it needs the shell to expand {variables[0]}"
    elif any(not part for part in parts):
        shell_only = "it has an empty command around &&"
    return ProcfileCommand(tuple(parts[-1]), tuple(tuple(p) for p in parts[:-1]), evidence, port_default, shell_only)


def read_procfile(root: Path) -> Procfile | None:
    if file_kind(root, "Procfile") == "missing":
        return None
    commands: dict[str, ProcfileCommand] = {}
    for number, line in enumerate(read_app_file(root, "Procfile", errors="replace").splitlines(), start=1):
        match = _LINE.match(line.strip())
        if match and match.group(1) not in commands:
            commands[match.group(1)] = _command(match.group(2), Evidence("Procfile", number, line.strip()))
    return Procfile(commands.get("web"), commands.get("release"))
