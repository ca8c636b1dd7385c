"""pip requirements files, parsed the way pip reads them: continuations, comments, options, `-r`/`-c` includes,
`--hash`, editable and local-path lines. Names are PEP 508 names read by `packaging`, never substrings."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.scan import read_app_file

# Global options pip accepts on their own line; they change how, not what, is installed.
_VALUED_OPTIONS = {
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--no-binary",
    "--only-binary",
    "--trusted-host",
    "--use-feature",
    "-Z",
    "--config-settings",
}
_FLAG_OPTIONS = {"--pre", "--prefer-binary", "--require-hashes", "--no-index", "--always-unzip"}
_INCLUDE = {"-r": "include", "--requirement": "include", "-c": "constraint", "--constraint": "constraint"}
_EDITABLE = {"-e", "--editable"}
_COMMENT = re.compile(r"(^|\s)#.*$")
# Included files whose names say they are for development, not for serving (skipped when following includes).
DEV_NAME = re.compile(
    r"(^|[-_./])(dev|develop|development|test|tests|testing|lint|linting|docs?|typing|mypy|ci|"
    r"local|format|style|pre-commit)([-_.]|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Line:
    """One logical line of a requirements file.

    kind: requirement (a PEP 508 requirement), include (-r), constraint (-c), local (a path or `-e` of one),
    url (a direct URL or VCS requirement), option (a global option such as --index-url).
    """

    evidence: Evidence
    kind: str
    name: str | None = None  # canonical project name, for requirements
    pinned: bool = False  # == or === to one exact version
    version: str | None = None  # that version
    hashes: tuple[str, ...] = ()
    target: str | None = None  # include/constraint/local: the path as written
    marker: str | None = None


@dataclass(frozen=True)
class RequirementsFile:
    path: str  # relative to the app root
    lines: tuple[Line, ...]


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first physical line number, text) with comments removed and backslash continuations joined, as pip does."""
    result: list[tuple[int, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT.sub("", raw) if not buffer or not raw.lstrip().startswith("#") else ""
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        if buffer.strip():
            result.append((start, buffer.strip()))
        buffer = ""
    if buffer.strip():
        result.append((start, buffer.strip()))
    return result


def _split_option(words: list[str]) -> tuple[str, str | None, list[str]]:
    """`-r x`, `-rx`, `--requirement=x` -> ("-r", "x", rest)."""
    first = words[0]
    if "=" in first and first.startswith("--"):
        option, value = first.split("=", 1)
        return option, value, words[1:]
    for short in ("-r", "-c", "-e", "-i", "-f"):
        if first.startswith(short) and len(first) > 2 and not first.startswith("--"):
            return short, first[2:], words[1:]
    return first, (words[1] if len(words) > 1 else None), words[2:]


def _looks_local(text: str) -> bool:
    if " @ " in text or ("://" in text and not text.startswith("file:")):
        return False
    return (
        text in (".", "..")
        or text.startswith(("./", "../", "/", "file:"))
        or text.endswith((".whl", ".tar.gz", ".zip"))
    )


def parse_line(path: str, number: int, text: str) -> Line:
    evidence = Evidence(path, number, text.split(" --hash")[0])
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if words[0].startswith("-"):
        option, value, _rest = _split_option(words)
        if option in _INCLUDE:
            if not value:
                raise DockwiseError(
                    f"{evidence.where()}: {option} without a file", "name the file to include", exit_code=EXIT_USAGE
                )
            return Line(evidence, _INCLUDE[option], target=value)
        if option in _EDITABLE:
            if value and _looks_local(value):
                return Line(evidence, "local", target=value)
            return Line(evidence, "url", target=value)
        if option in _VALUED_OPTIONS or option in _FLAG_OPTIONS:
            return Line(evidence, "option")
        raise DockwiseError(
            f"{evidence.where()}: unknown pip option {option!r}",
            "remove it or replace it with one pip supports",
            exit_code=EXIT_USAGE,
        )
    # Per-requirement options (--hash, --config-settings) follow the requirement; the requirement itself keeps its
    # quotes and spaces (markers), so it is not split like a shell line.
    option_start = re.search(r"\s--[A-Za-z]", " " + text)
    requirement_text = (" " + text)[: option_start.start()].strip() if option_start else text.strip()
    hashes = re.findall(r"--hash[=\s]+(\S+)", text)
    if _looks_local(requirement_text.split(";")[0].strip()):
        return Line(evidence, "local", target=requirement_text.split(";")[0].strip(), hashes=tuple(hashes))
    try:
        requirement = Requirement(requirement_text)
    except InvalidRequirement as exc:
        raise DockwiseError(
            f"{evidence.where()}: {requirement_text!r} is not a valid requirement ({exc})",
            "fix the line (PEP 508: name[extras] specifier ; marker)",
            exit_code=EXIT_USAGE,
        ) from None
    name = canonicalize_name(requirement.name)
    if requirement.url:
        return Line(
            evidence,
            "url",
            name=name,
            target=requirement.url,
            hashes=tuple(hashes),
            marker=str(requirement.marker) if requirement.marker else None,
        )
    exact = [s for s in requirement.specifier if s.operator in ("==", "===") and "*" not in s.version]
    return Line(
        evidence,
        "requirement",
        name=name,
        pinned=bool(exact),
        version=exact[0].version if exact else None,
        hashes=tuple(hashes),
        marker=str(requirement.marker) if requirement.marker else None,
    )


def parse_file(root: Path, path: str) -> RequirementsFile:
    text = read_app_file(root, path)
    return RequirementsFile(path, tuple(parse_line(path, n, t) for n, t in logical_lines(text)))


@dataclass(frozen=True)
class Closure:
    """A requirements file with everything it includes: the files in include order, and what was skipped."""

    files: tuple[RequirementsFile, ...]
    skipped: tuple[tuple[Line, str], ...]  # (the include line, why it was skipped)

    @property
    def lines(self) -> list[Line]:
        return [line for f in self.files for line in f.lines]

    @property
    def requirements(self) -> list[Line]:
        return [line for line in self.lines if line.kind in ("requirement", "url")]

    @property
    def hashed(self) -> bool:
        return any(line.hashes for line in self.requirements)

    @property
    def local_lines(self) -> list[Line]:
        return [line for line in self.lines if line.kind == "local"]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(line.name for line in self.requirements if line.name)


def _include_path(including: str, target: str, root: Path) -> str:
    """pip resolves -r/-c relative to the including file; the result must stay inside the app."""
    joined = PurePosixPath(including).parent / target
    resolved = (root / joined).resolve()
    try:
        return resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        raise DockwiseError(
            f"{including} includes {target}, which is outside the app directory",
            "keep every requirements file inside the app (it is sent as build context)",
            exit_code=EXIT_USAGE,
        ) from None


MAX_INCLUDE_DEPTH = 50


def closure(root: Path, roots: list[str], *, skip_dev_includes: bool) -> Closure:
    """Read `roots` and every -r/-c file they include (depth first, each file once)."""
    files: list[RequirementsFile] = []
    skipped: list[tuple[Line, str]] = []
    seen: set[str] = set()

    def visit(path: str, depth: int = 0) -> None:
        if path in seen:
            return
        if depth > MAX_INCLUDE_DEPTH:
            raise DockwiseError(
                f"{path}: requirements files include each other more than {MAX_INCLUDE_DEPTH} deep",
                "flatten the -r/-c chain",
                exit_code=EXIT_USAGE,
            )
        seen.add(path)
        parsed = parse_file(root, path)
        files.append(parsed)
        for line in parsed.lines:
            if line.kind not in ("include", "constraint"):
                continue
            target = _include_path(path, line.target or "", root)
            if skip_dev_includes and line.kind == "include" and DEV_NAME.search(PurePosixPath(target).stem):
                skipped.append((line, f"{target} is named for development, not for serving"))
                continue
            visit(target, depth + 1)

    for path in roots:
        visit(path)
    result = Closure(tuple(files), tuple(skipped))
    check_consistent(result)
    return result


def check_consistent(found: Closure) -> None:
    """Fail on what pip would refuse: two different pins of one project, or a hash-checking set with holes."""
    pins: dict[str, Line] = {}
    for line in found.requirements:
        if not line.name or not line.pinned or line.marker:
            continue
        earlier = pins.setdefault(line.name, line)
        if earlier.version != line.version:
            raise DockwiseError(
                f"unresolvable requirements: {earlier.evidence.where()} pins {line.name}=={earlier.version} but "
                f"{line.evidence.where()} pins {line.name}=={line.version}",
                "keep one pin per project",
                exit_code=EXIT_USAGE,
            )
    if found.hashed:
        unhashed = [line for line in found.requirements if not line.hashes]
        if unhashed:
            line = unhashed[0]
            raise DockwiseError(
                f"{line.evidence.where()}: {line.evidence.excerpt!r} has no --hash, but other requirements do, so "
                "pip's hash-checking mode would refuse the set",
                "regenerate the file with hashes for every line (pip-compile --generate-hashes)",
                exit_code=EXIT_USAGE,
            )
        loose = [line for line in found.requirements if line.kind == "requirement" and not line.pinned]
        if loose:
            line = loose[0]
            raise DockwiseError(
                f"{line.evidence.where()}: {line.name} is hashed but not pinned with ==",
                "pin it to one version (hash-checking mode requires ==)",
                exit_code=EXIT_USAGE,
            )
