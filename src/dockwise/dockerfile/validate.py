"""What BuildKit rejects after the grammar: each instruction's arguments and flags, as BuildKit's
`frontend/dockerfile/instructions` parser checks them, stage names, the place of instructions before the first
`FROM`, and image references (distribution's grammar) — every one fails `docker build` before anything runs.

The messages are BuildKit's (or the Docker CLI's for references), so a user can search for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from dockwise.dockerfile import reference
from dockwise.dockerfile.model import Build, with_predefined
from dockwise.dockerfile.parse import Instruction, ParseError

# Flags each instruction accepts, and their kind: "bool" (`--link`, `--link=false`), "string" (one `--x=v`),
# "strings" (repeatable). Instructions not listed take no flags. ARG does not parse flags in BuildKit.
FLAGS: Mapping[str, Mapping[str, str]] = {
    "ADD": {
        "chown": "string",
        "chmod": "string",
        "link": "bool",
        "keep-git-dir": "bool",
        "checksum": "string",
        "unpack": "bool",
        "exclude": "strings",
    },
    "COPY": {
        "chown": "string",
        "from": "string",
        "chmod": "string",
        "link": "bool",
        "exclude": "strings",
        "parents": "bool",
    },
    "FROM": {"platform": "string"},
    "RUN": {"mount": "strings", "network": "string", "security": "string", "device": "strings"},
    "HEALTHCHECK": {
        "interval": "string",
        "timeout": "string",
        "start-period": "string",
        "start-interval": "string",
        "retries": "string",
    },
}
_NO_FLAG_PARSING = frozenset({"ARG"})
_EXACTLY_ONE = frozenset({"MAINTAINER", "WORKDIR", "USER", "STOPSIGNAL"})
_AT_LEAST_ONE = frozenset({"EXPOSE", "VOLUME", "ARG", "ENV", "LABEL"})  # ONBUILD: checked by the parser
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9-_.]*$")
_DURATION = re.compile(r"^(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|ms|s|m|h))+$|^0$")


def problems(build: Build) -> Iterator[ParseError]:
    """Every instruction BuildKit would refuse, with its line, in file order."""
    dockerfile = build.dockerfile
    seen_from = False
    for instruction in dockerfile.instructions:
        if instruction.keyword == "FROM":
            seen_from = True
        elif not seen_from and instruction.keyword != "ARG":
            yield ParseError(instruction.line, "no build stage in current context")
            continue
        for message in _instruction_problems(instruction):
            yield ParseError(instruction.line, message)
        if instruction.onbuild is not None:
            for message in _instruction_problems(instruction.onbuild):
                yield ParseError(instruction.line, f"ONBUILD {instruction.onbuild.keyword}: {message}")
    for stage in build.stages:
        args = stage.from_instruction.args
        if len(args) != 1 or stage.is_scratch:
            continue
        # The Docker CLI's message, for what BuildKit reports as "failed to parse stage name".
        if stage.resolved and not _is_stage_name(build, stage.base):
            problem = reference.problem(stage.base)
            if problem:
                yield ParseError(stage.from_instruction.line, f"FROM {stage.base}: {problem}")
    yield from _copy_from_references(build)


def _is_stage_name(build: Build, base: str) -> bool:
    return build.stage_named(base) is not None


def _copy_from_references(build: Build) -> Iterator[ParseError]:
    for stage in build.stages:
        for step in stage.steps:
            source = step.instruction.flag("from") if step.instruction.keyword == "COPY" else None
            if not source:
                continue
            value = build.expand(source, with_predefined(step.variables))
            if (
                "$" in value
                or (value.isascii() and value.isdigit())
                or _is_stage_name(build, value)
                or ("/" not in value and ":" not in value)
            ):
                continue  # a stage, a stage index, or a named build context (--build-context NAME=...)
            message = reference.problem(value)
            if message:
                yield ParseError(step.instruction.line, f"COPY --from={value}: {message}")


def _instruction_problems(instruction: Instruction) -> Iterator[str]:
    keyword, args = instruction.keyword, instruction.args
    if keyword not in _NO_FLAG_PARSING:
        yield from _flag_problems(keyword, instruction.flags)
    if keyword in ("COPY", "ADD") and len(args) < 2:
        yield (
            f"{keyword} requires at least two arguments, but only one was provided. Destination could not be determined"
        )
    elif keyword in _EXACTLY_ONE and len(args) != 1:
        yield f"{keyword} requires exactly one argument"
    elif keyword in _AT_LEAST_ONE and not args:
        yield f"{keyword} requires at least one argument"
    elif keyword == "FROM":
        yield from _from_problems(args)
    elif keyword == "SHELL":
        if not args:
            yield "SHELL requires at least one argument"
        elif not instruction.json:
            yield "SHELL requires the arguments to be in JSON form"
    elif keyword == "HEALTHCHECK":
        yield from _healthcheck_problems(instruction)
    elif keyword in ("ENV", "LABEL") and any(not args[i] for i in range(0, len(args), 3)):
        yield f"{keyword} names can not be blank"
    elif keyword == "ARG" and any(word.startswith("=") for word in args):
        yield "ARG names can not be blank"
    elif keyword == "VOLUME" and any(not word.strip() for word in args):
        yield "VOLUME specified can not be an empty string"


def _from_problems(args: tuple[str, ...]) -> Iterator[str]:
    if len(args) == 3 and args[1].lower() == "as":
        if not _STAGE_NAME.match(args[2].lower()):
            yield f"invalid name for build stage: {args[2]!r}, name can't start with a number or contain symbols"
    elif len(args) != 1:
        yield "FROM requires either one or three arguments"


def _healthcheck_problems(instruction: Instruction) -> Iterator[str]:
    args = instruction.args
    if not args:
        yield "HEALTHCHECK requires at least one argument"
        return
    kind = args[0].upper()
    if kind == "NONE":
        if len(args) > 1:
            yield "HEALTHCHECK NONE takes no arguments"
        return
    if kind != "CMD":
        yield f'Unknown type "{args[0]}" in HEALTHCHECK (try CMD)'
        return
    if len(args) < 2 or not any(a.strip() for a in args[1:]):
        yield "Missing command after HEALTHCHECK CMD"
    for name in ("interval", "timeout", "start-period", "start-interval"):
        value = instruction.flag(name)
        if value and "$" not in value and not _DURATION.match(value):
            yield f'time: invalid duration "{value}" (--{name})'
    retries = instruction.flag("retries")
    if retries and "$" not in retries and not re.fullmatch(r"-?[0-9]+", retries):
        yield f'--retries: invalid syntax "{retries}"'
    elif retries and retries.startswith("-"):
        yield f"--retries cannot be negative ({retries})"


def _flag_problems(keyword: str, flags: tuple[str, ...]) -> Iterator[str]:
    known = FLAGS.get(keyword, {})
    used: set[str] = set()
    for flag in flags:
        if flag == "--":
            return
        if not flag.startswith("--"):
            yield f"arg should start with -- : {flag}"
            continue
        name, has_value, value = flag[2:].partition("=")
        kind = known.get(name)
        if kind is None:
            yield f"unknown flag: --{name}"
            continue
        if name in used and kind != "strings":
            yield f"duplicate flag specified: --{name}"
        used.add(name)
        if kind == "bool":
            if has_value and value == "":
                yield f"missing a value on flag: --{name}"
            elif value.lower() not in ("", "true", "false"):
                yield f"expecting boolean value for flag --{name}, not: {value}"
        elif not has_value:
            yield f"missing a value on flag: --{name}"
