"""Poetry's dependency constraints as PEP 508 requirement lines: what pip installs for a Poetry project without a
usable lock. `^1.2` is `>=1.2,<2`, `~1.2` is `>=1.2,<1.3`, `*` is any version, a table adds extras, a Python
range and markers; git, path and URL dependencies are refused (dockwise installs released versions).

Every line is parsed back by `packaging` and written in its normal form, so nothing from the app reaches the
Dockerfile but a valid requirement.
"""

from __future__ import annotations

import re

from packaging.requirements import Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.grammar import is_distribution_name, requirement_line
from dockwise.pyapp.layouts.project import Project, poetry_table, table

_VERSION = re.compile(r"[0-9]+(\.[0-9]+)*([.-]?[A-Za-z0-9]+)*")
_OPERATOR = re.compile(r"(===|==|!=|~=|>=|<=|>|<)\s*(\S+)")


def poetry_requirements(project: Project) -> tuple[str, ...]:
    """[project].dependencies and [tool.poetry.dependencies] (but python and optional ones), as requirement lines."""
    declared = table(poetry_table(project), "dependencies", "pyproject.toml", "[tool.poetry].")
    lines = [requirement_line(r) or _refuse("[project].dependencies", r) for r in project.dependencies]
    listed = {Requirement(line).name.lower() for line in lines}
    for name, value in declared.items():
        if name.lower() == "python" or name.lower() in listed:
            continue
        if not is_distribution_name(name):
            raise _refused(name, "is not a distribution name")
        for entry in value if isinstance(value, list) else [value]:
            line = _line(name, entry)
            if line is not None:
                lines.append(line)
    return tuple(lines)


def _line(name: str, entry: object) -> str | None:
    if isinstance(entry, str):
        return _checked(name, f"{name}{specifiers(entry, name)}")
    if not isinstance(entry, dict):
        raise _refused(name, "is neither a version constraint nor a table")
    for key in ("git", "path", "url", "file"):
        if key in entry:
            raise _refused(name, f"comes from a {key}, not a package index")
    if entry.get("optional") is True:
        return None
    extras = entry.get("extras") or []
    if not isinstance(extras, list) or not all(is_distribution_name(e) for e in extras):
        raise _refused(name, "has extras that are not names")
    version = entry.get("version", "*")
    if not isinstance(version, str):
        raise _refused(name, "has a version that is not a string")
    markers = []
    if isinstance(entry.get("python"), str):
        markers += [
            f'python_version {s.operator} "{s.version}"' for s in SpecifierSet(specifiers(entry["python"], name))
        ]
    if isinstance(entry.get("markers"), str):
        markers.append(f"({entry['markers']})")
    text = name + (f"[{','.join(extras)}]" if extras else "") + specifiers(version, name)
    return _checked(name, text + (" ; " + " and ".join(markers) if markers else ""))


def specifiers(constraint: str, name: str) -> str:
    """A Poetry constraint as a PEP 440 specifier set (comma-joined, "" for any version). An `||` union, which a
    requirement cannot say, becomes any version."""
    constraint = constraint.strip()
    if constraint in ("", "*") or "||" in constraint or "|" in constraint:
        return ""
    constraint = re.sub(r"(===|==|!=|~=|>=|<=|>|<)\s+", r"\1", constraint)
    parts = [p for p in re.split(r"[,\s]+(?=[\^~<>=!0-9])", constraint) if p.strip()]
    out = [_one(part.strip(), name) for part in parts]
    text = ",".join(s for s in out if s)
    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        raise _refused(name, f"has the constraint {constraint!r}, which dockwise cannot read") from None
    return text


def _one(part: str, name: str) -> str:
    if part.startswith("^"):
        return _caret(part[1:], name)
    if part.startswith("~") and not part.startswith("~="):
        return _tilde(part[1:], name)
    if match := _OPERATOR.fullmatch(part):
        return match.group(1) + match.group(2)
    if part.endswith(".*") and _VERSION.fullmatch(part[:-2]):
        return f"=={part}"
    if _VERSION.fullmatch(part):
        return f"=={part}"
    raise _refused(name, f"has the constraint {part!r}, which dockwise cannot read")


def _numbers(version: str, name: str) -> list[int]:
    release = re.match(r"[0-9]+(\.[0-9]+)*", version)
    if release is None:
        raise _refused(name, f"has the version {version!r}, which dockwise cannot read")
    return [int(n) for n in release.group(0).split(".")]


def _caret(version: str, name: str) -> str:
    numbers = _numbers(version, name)
    # The upper bound bumps the first non-zero part (or the last given one when all are zero).
    index = next((i for i, n in enumerate(numbers) if n != 0), len(numbers) - 1)
    upper = numbers[:index] + [numbers[index] + 1]
    return f">={version},<{'.'.join(map(str, upper))}"


def _tilde(version: str, name: str) -> str:
    numbers = _numbers(version, name)
    upper = [numbers[0] + 1] if len(numbers) == 1 else [numbers[0], numbers[1] + 1]
    return f">={version},<{'.'.join(map(str, upper))}"


def _checked(name: str, text: str) -> str:
    line = requirement_line(text)
    if line is None:
        raise _refused(name, "does not make a valid requirement")
    return line


def _refuse(where: str, text: str) -> str:
    raise DockwiseError(
        f"pyproject.toml: {text!r} in {where} is not a requirement dockwise can install",
        f"fix {where}",
        exit_code=EXIT_USAGE,
    )


def _refused(name: str, why: str) -> DockwiseError:
    return DockwiseError(
        f"pyproject.toml: the Poetry dependency {name[:60]!r} {why}",
        'pin a released version (name = "^1.2") in [tool.poetry.dependencies], or lock it: `poetry lock`',
        exit_code=EXIT_USAGE,
    )
