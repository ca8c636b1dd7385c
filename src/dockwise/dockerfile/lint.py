"""One lint run: read -> parse -> build model -> context -> rules -> suppressions -> findings.

A rule is skipped when the config ignores it, or when a `# check=skip=...` directive turns off the BuildKit check
it mirrors (`REFS["buildkit"]`), so a file tuned for `docker build --check` needs no second set of pragmas.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

from dockwise.core.config import Settings
from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.core.findings import Finding
from dockwise.core.rules import Hit, Rule, all_rules
from dockwise.dockerfile.context import BuildContext, ignore_file_for
from dockwise.dockerfile.model import Build, build_model
from dockwise.dockerfile.parse import parse
from dockwise.dockerfile.pragmas import suppressions
from dockwise.dockerfile.rules import Subject
from dockwise.dockerfile.shell import commands
from dockwise.dockerfile.shellcheck import Batch, ShellcheckMissing, ShellcheckResults

SHELLCHECK_RULE = "DW130"

# BuildKit itself refuses nothing this size, but no hand-written Dockerfile comes close.
MAX_BYTES = 1024 * 1024
MAX_FINDINGS_PER_RULE = 200
"""Findings one rule lists for one file; the rest are counted in one more finding, so a generated Dockerfile with a
problem on each of 90,000 lines gives a report of bounded size (and time, and memory), not 180,000 entries."""


def read_dockerfile(path: Path) -> str:
    """The file's text, or a DockwiseError (exit 2) for a directory, a FIFO or device (opening one could wait
    forever: stdin is `-`), an unreadable, huge, binary or non-UTF-8 file."""
    try:
        # O_NONBLOCK: opening a FIFO without a writer returns at once instead of waiting, and fstat then refuses it.
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise DockwiseError(f"{path} is a directory", "pass the Dockerfile inside it", exit_code=EXIT_USAGE)
            if not stat.S_ISREG(info.st_mode):
                raise DockwiseError(
                    f"{path} is not a regular file", "pass a Dockerfile, or `-` to read it from stdin", 2
                )
            if info.st_size > MAX_BYTES:
                raise DockwiseError(
                    f"{path} is {info.st_size} bytes", f"a Dockerfile over {MAX_BYTES} bytes is not linted", 2
                )
            data = handle.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise DockwiseError(f"{path} is a directory", "pass the Dockerfile inside it", exit_code=EXIT_USAGE) from None
    except FileNotFoundError:
        raise DockwiseError(f"{path} does not exist", "check the path", exit_code=EXIT_USAGE) from None
    except OSError as exc:
        raise DockwiseError(
            f"cannot read {path}: {exc.strerror or exc}", "check its permissions", exit_code=EXIT_USAGE
        ) from None
    return decode(data, str(path))


def decode(data: bytes, name: str) -> str:
    if len(data) > MAX_BYTES:
        raise DockwiseError(
            f"{name} is over {MAX_BYTES} bytes", "a Dockerfile that large is not linted", exit_code=EXIT_USAGE
        )
    if b"\x00" in data:
        raise DockwiseError(f"{name} is a binary file", "pass a Dockerfile (text)", exit_code=EXIT_USAGE)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DockwiseError(
            f"{name} is not UTF-8 (byte {exc.start})", "save the Dockerfile as UTF-8", exit_code=EXIT_USAGE
        ) from None


def lint_text(
    text: str,
    path: str = "Dockerfile",
    *,
    context: BuildContext | None = None,
    target: str | None = None,
    build_args: Mapping[str, str] | None = None,
    config: Settings = Settings(),
    rules: Sequence[Rule] | None = None,
) -> list[Finding]:
    """Findings for one Dockerfile's text, sorted by line. `target` names a stage (default: the last one)."""
    build = model(text, path, target=target, build_args=build_args)
    chosen = rules if rules is not None else all_rules("dockerfile")
    return _sorted(_lint(Subject(build=build, context=context, path=path, settings=config), chosen))


def _lint(subject: Subject, rules: Sequence[Rule]) -> list[Finding]:
    build, config = subject.build, subject.settings
    quiet = suppressions(build)
    skipped = buildkit_skips(build.dockerfile.directives.get("check", ""))
    columns = {i.line: i.column for i in build.dockerfile.instructions}
    findings = []
    for rule in rules:
        if not config.enabled(rule.id, rule.enabled_by_default) or _skipped_by_check_directive(rule, skipped):
            continue
        seen: set[tuple[int | None, int | None, str]] = set()
        first_unlisted, unlisted = None, 0
        for hit in rule.check(subject):
            code = hit.code or rule.id
            if quiet.silences(rule.id, hit.line) or (
                code != rule.id and (not config.enabled(code) or quiet.silences(code, hit.line))
            ):
                continue
            key = (hit.line, hit.column, hit.message)
            if key in seen:
                continue
            if len(seen) >= MAX_FINDINGS_PER_RULE:
                first_unlisted = first_unlisted or hit
                unlisted += 1
                continue
            seen.add(key)
            severity = config.severity_of(code) or config.severity_of(rule.id)
            findings.append(rule.finding(hit, subject.path, severity, columns.get(hit.line) if hit.line else None))
        if first_unlisted is not None:
            more = Hit(
                first_unlisted.line,
                f"{unlisted} more findings of this rule from here on are not listed "
                f"(the first {MAX_FINDINGS_PER_RULE} are)",
                severity=first_unlisted.severity,
            )
            findings.append(
                rule.finding(
                    more, subject.path, config.severity_of(rule.id), columns.get(more.line) if more.line else None
                )
            )
    return findings


def _sorted(findings: list[Finding]) -> list[Finding]:
    unique = {(f.rule, f.line, f.column, f.message): f for f in findings}
    return sorted(unique.values(), key=lambda f: (f.line or 0, f.column or 0, f.rule, f.message))


def model(text: str, path: str, *, target: str | None = None, build_args: Mapping[str, str] | None = None) -> Build:
    """The build model of a Dockerfile's text; a DockwiseError (exit 2) when `target` names no stage."""
    commands.cache_clear()  # what the last Dockerfile's RUNs ran: its memory is this one's
    dockerfile = parse(text)
    try:
        return build_model(dockerfile, build_args, target)
    except KeyError:
        names = ", ".join(s.name for s in build_model(dockerfile, build_args).stages if s.name) or "none"
        raise DockwiseError(f"{path}: no stage named {target!r}", f"stages: {names}", exit_code=EXIT_USAGE) from None


def buildkit_skips(directive: str) -> frozenset[str]:
    """BuildKit check names turned off by `# check=skip=A,B;error=true` (lower-cased; `all` for all of them)."""
    for part in directive.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == "skip":
            return frozenset(name.strip().lower() for name in value.split(",") if name.strip())
    return frozenset()


def _skipped_by_check_directive(rule: Rule, skipped: frozenset[str]) -> bool:
    names = {n.strip().lower() for n in rule.refs.get("buildkit", "").split(",") if n.strip()}
    return bool(names) and ("all" in skipped or bool(names & skipped))


def lint_file(
    path: Path,
    *,
    context_dir: Path | None = None,
    target: str | None = None,
    build_args: Mapping[str, str] | None = None,
    config: Settings = Settings(),
    rules: Sequence[Rule] | None = None,
) -> tuple[list[Finding], str]:
    """Findings for a Dockerfile on disk and its text; the context defaults to the Dockerfile's directory."""
    text = read_dockerfile(path)
    root = context_dir if context_dir is not None else path.parent
    context = load_context(root, path)
    findings = lint_text(
        text, str(path), context=context, target=target, build_args=build_args, config=config, rules=rules
    )
    return findings, text


def lint_inputs(
    inputs: Sequence[str],
    *,
    stdin: BinaryIO,
    context_dir: Path | None = None,
    target: str | None = None,
    build_args: Mapping[str, str] | None = None,
    config: Settings = Settings(),
) -> tuple[list[Finding], dict[str, str]]:
    """Lint each path (`-` is stdin, linted with no context unless `context_dir` is given).

    Every input is read before any is linted, so a bad one fails the run (exit 2) without partial output.
    Returns the findings and the texts by name (for source excerpts).
    """
    if list(inputs).count("-") > 1:
        raise DockwiseError("`-` (stdin) is given more than once", "stdin can be read only once: pass `-` once", 2)
    texts: dict[str, str] = {}
    for name in inputs:
        texts[name] = decode(stdin.read(MAX_BYTES + 1), "<stdin>") if name == "-" else read_dockerfile(Path(name))
    rules = all_rules("dockerfile")
    builds = {name: model(text, name, target=target, build_args=build_args) for name, text in texts.items()}
    # One ShellCheck process for every file, started first: it runs beside the Python rules, and the ShellCheck
    # rule runs last, when its results are in.
    shell_rules = [r for r in rules if r.id == SHELLCHECK_RULE]
    other_rules = [r for r in rules if r.id != SHELLCHECK_RULE]
    wanted = bool(shell_rules) and config.shellcheck and config.enabled(SHELLCHECK_RULE)
    batch = Batch(builds.values(), config.shellcheck_severity) if wanted else None
    subjects: list[Subject] = []
    by_file: list[list[Finding]] = []
    contexts: dict[tuple[Path, Path | None], BuildContext] = {}  # Dockerfiles side by side share one walk
    for name, build in builds.items():
        path = None if name == "-" else Path(name)
        root = context_dir if context_dir is not None else (path.parent if path is not None else None)
        context = None
        if root is not None:
            key = (root.resolve(), ignore_file_for(root, path))
            context = contexts[key] if key in contexts else contexts.setdefault(key, load_context(root, path))
        subjects.append(Subject(build=build, context=context, path=name, settings=config))
        by_file.append(_lint(subjects[-1], other_rules))
    if batch is not None:
        try:
            results: ShellcheckResults | None = batch.results()
        except ShellcheckMissing:
            results = None  # the rule says so in a finding of each file
        for subject, found in zip(subjects, by_file):
            found += _lint(dataclasses.replace(subject, shellcheck=results), shell_rules)
    return [f for found in by_file for f in _sorted(found)], texts


def load_context(root: Path, dockerfile: Path | None) -> BuildContext:
    if not root.is_dir():
        raise DockwiseError(f"build context {root} is not a directory", "pass --context DIR", exit_code=EXIT_USAGE)
    if not os.access(root, os.R_OK | os.X_OK):
        raise DockwiseError(f"cannot read build context {root}", "check its permissions", exit_code=EXIT_USAGE)
    return BuildContext.load(root, dockerfile)
