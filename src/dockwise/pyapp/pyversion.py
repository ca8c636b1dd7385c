"""Which Python the image runs, from the app's own files, with the evidence for it.

Precedence (a flag always wins; the first source found decides; later ones only constrain):
--python, .python-version, runtime.txt, Pipfile.lock / Pipfile `python_version`, then the constraints
`requires-python` (pyproject.toml, uv.lock), setup.py's `python_requires` and the `Programming Language :: Python :: 3.X` classifiers.
A pin names one version; a constraint is satisfied by the newest base it allows. dockwise builds only the versions
its bases provide (3.11 and 3.13): a pin to another one gets the nearest base and a warning, never silently.
Code that needs a newer Python than 3.11 (a `type` statement, PEP 695/696/701: `newer_syntax.py`) rules out the
bases that cannot read it; a pin or flag naming one of those is refused.
With no pin, `prefer_supported` keeps the bases a pinned framework release supports (its provider's table), then
`prefer_wheels` takes the first one on which every pinned requirement has a wheel (pins of 2021-2023 often have none
for 3.13, and would be compiled in the builder).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.bases import DEFAULT, SUPPORTED
from dockwise.pyapp.evidence import Evidence, line_of
from dockwise.pyapp.frameworks import registry
from dockwise.pyapp.layouts.project import Project
from dockwise.pyapp.scan import file_kind, read_app_file
from dockwise.pyapp.wheels import Pin, WheelReport

if TYPE_CHECKING:
    from dockwise.pyapp.newer_syntax import NewerSyntax

_PIN = re.compile(
    r"(?:python-?|cpython-?)?([0-9]{1,3})\.([0-9]{1,3})(?:\.[0-9]{1,4})?(?:[a-z]+[0-9]{0,4})?", re.IGNORECASE
)
_CLASSIFIER = re.compile(r"Programming Language :: Python :: ([0-9]{1,3})\.([0-9]{1,3})")


@dataclass(frozen=True)
class PythonChoice:
    version: str  # one of SUPPORTED
    wanted: str | None  # what the app asked for, when it pinned one
    evidence: Evidence | None
    warnings: tuple[str, ...] = ()
    # The bases the app allows when nothing pins one, in order of preference (the chosen one first); () when pinned.
    candidates: tuple[str, ...] = ()
    wheels: str | None = None  # why the wheel check kept or changed the version, for the summary
    support: str | None = None  # why a framework's supported Pythons narrowed the candidates


def _key(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def nearest(version: str, syntax: NewerSyntax | None = None) -> str:
    """The supported version closest to `version` that reads the app's code; on a tie the older one (pins that
    predate a release are likelier to have wheels for the older interpreter)."""
    major, minor = _key(version)
    readable = [v for v in SUPPORTED if _reads(v, syntax)] or list(SUPPORTED)
    return min(readable, key=lambda v: (abs(_key(v)[1] - minor) + 100 * abs(_key(v)[0] - major), _key(v)))


def _reads(version: str, syntax: NewerSyntax | None) -> bool:
    return syntax is None or _key(version) >= _key(syntax.version)


def _unreadable(what: str, version: str, syntax: NewerSyntax) -> DockwiseError:
    newest = SUPPORTED[-1]
    return DockwiseError(
        f"{what} Python {version}, but {syntax.evidence.where()} uses {syntax.what}, which needs Python "
        f"{syntax.version} or newer",
        f"pin Python {newest} (or pass --python {newest}), or rewrite that code for Python {version}",
        exit_code=EXIT_USAGE,
    )


def _pin_from(text: str, source: str, line: int | None) -> tuple[str, Evidence]:
    value = text.strip()
    match = _PIN.fullmatch(value)
    if not match:
        raise DockwiseError(
            f"{source}:{line or 1}: {value!r} is not a Python version (X.Y or X.Y.Z)",
            "write the version as 3.13, or pass --python",
            exit_code=EXIT_USAGE,
        )
    return f"{match.group(1)}.{match.group(2)}", Evidence(source, line or 1, value)


def _first_line(root: Path, name: str) -> tuple[str, int] | None:
    if file_kind(root, name) == "missing":
        return None
    for number, line in enumerate(read_app_file(root, name, errors="replace").splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            return line.strip(), number
    return None


def _file_pin(root: Path, name: str) -> tuple[str, Evidence] | None:
    found = _first_line(root, name)
    return _pin_from(found[0], name, found[1]) if found else None


def _pipenv_pin(root: Path) -> tuple[str, Evidence] | None:
    if file_kind(root, "Pipfile.lock") != "missing":
        text = read_app_file(root, "Pipfile.lock")
        try:
            meta = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            return None
        requires = _table(_table(meta, "_meta"), "requires")
        value = requires.get("python_full_version") or requires.get("python_version")
        if isinstance(value, str) and value:
            return _pin_from(value, "Pipfile.lock", line_of(text, "python_"))
    if file_kind(root, "Pipfile") != "missing":
        text = read_app_file(root, "Pipfile")
        try:
            value = _table(tomllib.loads(text), "requires").get("python_version")
        except (tomllib.TOMLDecodeError, RecursionError):
            return None
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value):
            return _pin_from(str(value), "Pipfile", line_of(text, "python_version"))
    return None


def _table(data: object, key: str) -> dict:
    """`data[key]` when both are tables (a malformed file reads as empty here; the layout providers report it)."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _poetry_constraint(value: str) -> str:
    """Poetry's ^3.11 / ~3.11 as a PEP 440 specifier."""
    value = value.strip()
    if not re.fullmatch(r"[\^~]?[0-9]{1,3}(\.[0-9]{1,4}){0,2}", value):
        return value  # SpecifierSet judges it (and refuses what is not a constraint)
    if value.startswith("^"):
        major = value[1:].split(".")[0]
        return f">={value[1:]},<{int(major) + 1}"
    if value.startswith("~") and not value.startswith("~="):
        major_n, minor_n = _key(value[1:] + (".0" if "." not in value[1:] else ""))
        return f">={value[1:]},<{major_n}.{minor_n + 1}"
    return value


def _constraints(root: Path, project: Project | None) -> list[tuple[SpecifierSet, Evidence]]:
    found: list[tuple[str, Evidence]] = []
    if project and project.requires_python:
        key = "python_requires" if project.file == "setup.py" else "requires-python"
        found.append((project.requires_python, project.evidence(key)))
    if project:
        poetry_python = _table(_table(_table(project.data, "tool"), "poetry"), "dependencies").get("python")
        if isinstance(poetry_python, str):
            found.append((_poetry_constraint(poetry_python), project.evidence("python =")))
    if file_kind(root, "uv.lock") != "missing":
        text = read_app_file(root, "uv.lock")
        match = re.search(r'^requires-python = "([^"]+)"', text, re.MULTILINE)
        if match:
            found.append((match.group(1), Evidence("uv.lock", line_of(text, "requires-python"), match.group(1))))
    result = []
    for text, evidence in found:
        try:
            result.append((SpecifierSet(text), evidence))
        except InvalidSpecifier:
            raise DockwiseError(
                f"{evidence.where()}: {text!r} is not a version constraint",
                "write it as PEP 440 specifiers, e.g. >=3.11",
                exit_code=EXIT_USAGE,
            ) from None
    return result


def _classifier_versions(project: Project | None) -> tuple[set[str], Evidence | None]:
    if project is None:
        return set(), None
    versions = {f"{m.group(1)}.{m.group(2)}" for c in project.classifiers if (m := _CLASSIFIER.fullmatch(c))}
    return versions, project.evidence("Programming Language :: Python :: 3.") if versions else None


def _allows(specifiers: list[tuple[SpecifierSet, Evidence]], version: str) -> bool:
    return all(
        spec.contains(Version(version + ".0"), prereleases=True) or spec.contains(Version(version + ".99"))
        for spec, _ in specifiers
    )


def choose_python(
    root: Path, project: Project | None, flag: str | None, syntax: NewerSyntax | None = None
) -> PythonChoice:
    """`syntax`: the construct in the app's code that needs the newest Python, if it needs a newer one than 3.11."""
    constraints = _constraints(root, project)
    if flag:
        pin, _ = _pin_from(flag, "--python", 1)
        if pin not in SUPPORTED:
            raise DockwiseError(
                f"--python {flag}: dockwise's bases provide Python {' and '.join(SUPPORTED)} only",
                f"pass --python {nearest(pin, syntax)} (the nearest base)",
                exit_code=EXIT_USAGE,
            )
        if syntax is not None and not _reads(pin, syntax):
            raise _unreadable("--python names", pin, syntax)
        warnings = [
            f"--python {pin} is outside {evidence.where()} ({spec})"
            for spec, evidence in constraints
            if not _allows([(spec, evidence)], pin)
        ]
        return PythonChoice(pin, pin, Evidence("--python", None, flag), tuple(warnings))
    for pinned in (_file_pin(root, ".python-version"), _file_pin(root, "runtime.txt"), _pipenv_pin(root)):
        if pinned:
            return _from_pin(*pinned, constraints, syntax)
    versions, classifier_evidence = _classifier_versions(project)
    allowed = [v for v in SUPPORTED if _allows(constraints, v)]
    if syntax is not None and allowed and not any(_reads(v, syntax) for v in allowed):
        spec, evidence = constraints[0]
        raise _unreadable(f"{evidence.where()} ({spec}) allows only", allowed[-1], syntax)
    allowed = [v for v in allowed if _reads(v, syntax)]
    if not allowed:
        spec, evidence = constraints[0]
        raise DockwiseError(
            f"{evidence.where()}: Python {spec} excludes every version dockwise's bases provide "
            f"({', '.join(SUPPORTED)})",
            "relax the constraint, or pass --python with the base to try anyway",
            exit_code=EXIT_USAGE,
        )
    preferred = [v for v in allowed if v in versions]
    if preferred:
        return PythonChoice(preferred[-1], None, classifier_evidence, candidates=_order(preferred[-1], allowed))
    choice = DEFAULT if DEFAULT in allowed else allowed[-1]
    if syntax is not None:
        evidence = syntax.evidence
        return PythonChoice(
            choice,
            None,
            Evidence(evidence.file, evidence.line, f"{syntax.what}: Python {syntax.version}+ reads it"),
            candidates=_order(choice, allowed),
        )
    if constraints:
        spec, evidence = constraints[0]
        return PythonChoice(
            choice,
            None,
            Evidence(evidence.file, evidence.line, f"{spec}: newest base allowed"),
            candidates=_order(choice, allowed),
        )
    return PythonChoice(choice, None, None, candidates=_order(choice, allowed))


def _order(first: str, allowed: list[str]) -> tuple[str, ...]:
    return (first,) + tuple(v for v in sorted(allowed, key=_key, reverse=True) if v != first)


def _newest_python(pin: Pin) -> str | None:
    framework = next((f for f in registry() if canonicalize_name(f.distribution) == pin.name), None)
    return framework.newest_python.get(".".join(pin.version.split(".")[:2])) if framework else None


def prefer_supported(choice: PythonChoice, pins: tuple[Pin, ...]) -> PythonChoice:
    """The candidates a pinned framework release supports (its project's published table), else the oldest one
    (the nearest); unchanged when the app pins its Python."""
    limits = [(pin, limit) for pin in pins if (limit := _newest_python(pin))]
    if not choice.candidates or not limits:
        return choice
    within = tuple(v for v in choice.candidates if all(_key(v) <= _key(limit) for _, limit in limits))
    kept = within or (min(choice.candidates, key=_key),)
    if kept == choice.candidates:
        return choice
    pin, limit = min(limits, key=lambda found: _key(found[1]))
    reason = f"{pin} supports Python up to {limit} (its project's table)" + (
        "" if within else f": {kept[0]} is the nearest base"
    )
    return replace(choice, version=kept[0], candidates=kept, evidence=None, support=reason)


def prefer_wheels(choice: PythonChoice, report: WheelReport) -> PythonChoice:
    """The first candidate on which every pinned requirement has a wheel. When none has, the one with the fewest
    missing; on a tie, the oldest if a missing pin is an old release of a project that has wheels for the newer
    Python now (releases that predate an interpreter compile more often on the older one). Unchanged when the app
    pins its Python or the index was not read."""
    if not report.checked or not choice.candidates or not any(report.by_python.values()):
        return choice
    missing = {v: {p.pin for p in report.missing(v)} for v in choice.candidates}
    everywhere = set.intersection(*missing.values())  # compiled whichever base is chosen
    fewest = min(len(m) for m in missing.values())
    tied = [v for v in choice.candidates if len(missing[v]) == fewest]
    predates = any(p.first_with_wheel for p in report.missing(tied[0]))
    best = min(tied, key=_key) if fewest and predates else tied[0]
    checked = report.count(best) - len(report.unknown(best))
    if missing[best] - everywhere:
        reason = f"{_names(missing[best] - everywhere)} {_have(missing[best] - everywhere)} no wheel for {best}"
        reason += ", the fewest"
    elif everywhere:
        reason = (
            f"every pinned requirement with a wheel for some base has one for {best} ({checked} checked on the "
            f"index); {_names(everywhere)} {_have(everywhere)} none for {' or '.join(choice.candidates)}"
        )
        if best != tied[0]:
            reason += f", so the older base, where releases that predate {tied[0]} compile more often"
    else:
        reason = f"every pinned requirement has a wheel for {best} ({checked} checked on the index)"
    skipped = [v for v in choice.candidates[: choice.candidates.index(best)] if missing[v] - everywhere]
    if best == choice.candidates[0]:
        return replace(choice, wheels=reason)
    lacks = "; ".join(
        f"{_names(missing[v] - everywhere)} {_have(missing[v] - everywhere)} no wheel for {v}" for v in skipped
    )
    return replace(choice, version=best, evidence=None, wheels=f"{lacks}; {reason}" if lacks else reason)


def _have(pins: set[Pin]) -> str:
    return "has" if len(pins) == 1 else "have"


def _names(pins: set[Pin]) -> str:
    ordered = sorted(pins, key=str)
    shown = ", ".join(str(p) for p in ordered[:3])
    return shown + (f" and {len(ordered) - 3} more" if len(ordered) > 3 else "")


def _from_pin(version: str, evidence: Evidence, constraints, syntax: NewerSyntax | None) -> PythonChoice:
    if syntax is not None and not _reads(version, syntax):
        raise _unreadable(f"{evidence.where()} pins", version, syntax)
    if version in SUPPORTED:
        return PythonChoice(version, version, evidence)
    base = nearest(version, syntax)
    if _key(version)[0] != 3:
        raise DockwiseError(
            f"{evidence.where()}: the app pins Python {version}; dockwise builds Python 3 only",
            "port the app to Python 3",
            exit_code=EXIT_USAGE,
        )
    if not _allows(constraints, base):
        spec, where = next((s, e) for s, e in constraints if not _allows([(s, e)], base))
        raise DockwiseError(
            f"{evidence.where()} pins Python {version}, which dockwise's bases do not provide, and "
            f"{where.where()} ({spec}) excludes the nearest one, {base}",
            "change the pins, or build the standard variant on a public python:"
            f"{version}-slim image (--build-arg BASE_IMAGE=python:{version}-slim)",
            exit_code=EXIT_USAGE,
        )
    reads = (
        f" that reads {syntax.evidence.where()} ({syntax.what})"
        if syntax is not None and nearest(version) != base
        else ""
    )
    warning = (
        f"{evidence.where()} pins Python {version}; dockwise's bases provide {' and '.join(SUPPORTED)}, so "
        f"the images use the nearest{reads}, {base}. Check that the app and its pins work on {base}, or pass --python; "
        f"to keep {version}, build the standard variant on a public image "
        f"(--build-arg BASE_IMAGE=python:{version}-slim) — no distroless image exists for it"
    )
    return PythonChoice(base, version, evidence, (warning,))
