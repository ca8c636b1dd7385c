"""Which file says what the app depends on, and how the image installs it.

Precedence when several are present (documented in `dockwise init --help`): a lockfile (uv.lock, poetry.lock,
Pipfile.lock) first, then requirements files, then pyproject.toml's [project].dependencies. Two different lockfiles
are a conflict dockwise does not guess about. `--deps FILE` chooses explicitly.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import Evidence, line_of
from dockwise.pyapp.grammar import is_app_path, is_distribution_name, is_module_path
from dockwise.pyapp.requirements import Closure, closure
from dockwise.pyapp.requirements import _include_path as _include_target
from dockwise.pyapp.scan import file_kind, is_app_file, read_app_file
from dockwise.pyapp.wheels import Pin, valid_pins

LOCKFILES = ("uv.lock", "poetry.lock", "Pipfile.lock")
# Requirements files at the root, most specific to serving first, when there is no plain requirements.txt.
REQUIREMENTS_NAMES = (
    "requirements.txt",
    "requirements/prod.txt",
    "requirements/production.txt",
    "requirements/main.txt",
    "requirements/base.txt",
)


@dataclass(frozen=True)
class Project:
    """What pyproject.toml says about the project itself."""

    name: str | None
    dependencies: tuple[str, ...]  # PEP 508 strings, as written
    dynamic_dependencies: bool
    requires_python: str | None
    classifiers: tuple[str, ...]
    build_backend: str | None  # None: no [build-system], so the project is not built as a wheel
    build_requires: tuple[str, ...]
    packaged: bool  # built and installed as a wheel in the builder stage
    text: str
    data: dict = field(compare=False, repr=False)

    def evidence(self, needle: str) -> Evidence:
        return Evidence("pyproject.toml", line_of(self.text, needle), needle)


@dataclass(frozen=True)
class Dependencies:
    """How the image installs the app's dependencies.

    kind: requirements | pyproject | uv | poetry | pipenv | none
    files: the app files the install reads (bind-mounted into the build, never copied)
    names: canonical names of what gets installed (the whole set when it is locked, the direct ones otherwise)
    hashed: installed with --require-hashes
    pinned: every requirement pinned to one version
    """

    kind: str
    files: tuple[str, ...]
    names: frozenset[str]
    hashed: bool
    pinned: bool
    evidence: Evidence
    notes: tuple[str, ...] = ()
    local_lines: tuple[Evidence, ...] = ()  # `-e .` and friends: the project itself, built as a wheel instead
    requirement_roots: tuple[str, ...] = ()  # for kind=requirements: the files given to pip -r
    pins: tuple[Pin, ...] = ()  # what is installed at one exact version (the wheel check reads these)


def _toml(root: Path, name: str) -> tuple[dict, str]:
    text = read_app_file(root, name)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise DockwiseError(f"{name} is not valid TOML ({exc})", f"fix {name}", exit_code=EXIT_USAGE) from None
    except RecursionError:
        raise DockwiseError(f"{name} nests too deeply", f"fix {name}", exit_code=EXIT_USAGE) from None


def _malformed(name: str, key: str, expected: str) -> DockwiseError:
    return DockwiseError(f"{name}: {key} is not {expected}", f"fix {key} in {name}", exit_code=EXIT_USAGE)


def table(data: dict, key: str, name: str, where: str = "") -> dict:
    """`data[key]` as a table ({} when absent); anything else is the file's mistake, said in one line."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _malformed(name, where + key, "a table")
    return value


def _strings(data: dict, key: str, name: str, where: str = "") -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _malformed(name, where + key, "a list of strings")
    return tuple(value)


def _string(data: dict, key: str, name: str, where: str = "") -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise _malformed(name, where + key, "a string")
    return value or None


def read_project(root: Path) -> Project | None:
    if file_kind(root, "pyproject.toml") == "missing":
        return None
    data, text = _toml(root, "pyproject.toml")
    name = "pyproject.toml"
    project = table(data, "project", name)
    tool = table(data, "tool", name)
    poetry = table(tool, "poetry", name, "[tool].")
    uv = table(tool, "uv", name, "[tool].")
    build = table(data, "build-system", name)
    dependencies = _strings(project, "dependencies", name, "[project].")
    project_name = _string(project, "name", name, "[project].") or _string(poetry, "name", name, "[tool.poetry].")
    if project_name is not None and not is_distribution_name(project_name):
        raise DockwiseError(
            f"pyproject.toml:{line_of(text, 'name')}: the project name {project_name!r} is not a valid "
            "distribution name (letters, digits, . _ -; PEP 508)",
            "fix the name in pyproject.toml",
            exit_code=EXIT_USAGE,
        )
    backend = _string(build, "build-backend", name, "[build-system].")
    if backend is not None and not all(is_module_path(part) for part in backend.split(":", 1)):
        raise DockwiseError(
            f"pyproject.toml:{line_of(text, 'build-backend')}: build-backend {backend!r} is not MODULE or "
            "MODULE:OBJECT (PEP 517)",
            "fix [build-system].build-backend",
            exit_code=EXIT_USAGE,
        )
    for dependency in dependencies:
        try:
            Requirement(dependency)
        except InvalidRequirement as exc:
            raise DockwiseError(
                f"pyproject.toml:{line_of(text, dependency)}: {dependency!r} is not a valid requirement ({exc})",
                "fix [project].dependencies",
                exit_code=EXIT_USAGE,
            ) from None
    backend = backend or (None if not build else "setuptools.build_meta:__legacy__")
    # Not a package: uv's `package = false`, Poetry's `package-mode = false`, or nothing to build it with.
    packaged = bool(build) and uv.get("package", True) is not False and poetry.get("package-mode", True) is not False
    return Project(
        name=project_name,
        dependencies=dependencies,
        dynamic_dependencies="dependencies" in _strings(project, "dynamic", name, "[project]."),
        requires_python=_string(project, "requires-python", name, "[project]."),
        classifiers=_strings(project, "classifiers", name, "[project].")
        or _strings(poetry, "classifiers", name, "[tool.poetry]."),
        build_backend=backend,
        build_requires=_strings(build, "requires", name, "[build-system]."),
        packaged=packaged and bool(project or poetry),
        text=text,
        data=data,
    )


def _names(requirements: tuple[str, ...] | list[str]) -> frozenset[str]:
    return frozenset(canonicalize_name(Requirement(r).name) for r in requirements)


def _exact(requirement: str) -> bool:
    return any(s.operator in ("==", "===") and "*" not in s.version for s in Requirement(requirement).specifier)


def _from_requirements(root: Path, roots: list[str], chosen: bool) -> Dependencies:
    found: Closure = closure(root, roots, skip_dev_includes=not chosen)
    requirements = found.requirements
    notes = [
        f"{line.evidence.where()}: skipped -r {line.target}: {why} (pass --deps to choose the files)"
        for line, why in found.skipped
    ]
    urls = [line for line in requirements if line.kind == "url"]
    if found.hashed and urls:
        raise DockwiseError(
            f"{urls[0].evidence.where()}: a direct URL or VCS requirement in a hash-pinned set",
            "pip cannot verify it with --require-hashes; pin a released version instead",
            exit_code=EXIT_USAGE,
        )
    pip_roots = list(roots)
    if found.skipped:
        # pip must not see the skipped -r lines: give it the root's other includes instead of the root itself.
        root_file = found.files[0]
        if any(line.kind in ("requirement", "url", "local", "constraint") for line in root_file.lines):
            line = found.skipped[0][0]
            raise DockwiseError(
                f"{line.evidence.where()} includes development requirements next to the app's own",
                "pass --deps with the files to install",
                exit_code=EXIT_USAGE,
            )
        skipped = {line.evidence for line, _ in found.skipped}
        pip_roots = [
            _include_target(root_file.path, line.target or "", root)
            for line in root_file.lines
            if line.kind == "include" and line.evidence not in skipped
        ]
    return Dependencies(
        kind="requirements",
        files=tuple(f.path for f in found.files),
        names=found.names,
        hashed=found.hashed,
        pinned=all(line.pinned for line in requirements if line.kind == "requirement"),
        evidence=Evidence(
            roots[0], None, f"{len(requirements)} requirements" + (", hash-pinned" if found.hashed else "")
        ),
        notes=tuple(notes),
        local_lines=tuple(line.evidence for line in found.local_lines),
        requirement_roots=tuple(pip_roots),
        pins=valid_pins(
            Pin(line.name, line.version, line.evidence, line.marker)
            for line in requirements
            if line.kind == "requirement" and line.name and line.version and line.pinned
        ),
    )


def _locked_packages(data: dict, name: str) -> dict[str, dict]:
    """A lockfile's [[package]] tables by canonical name; a package without a valid name is the file's mistake."""
    packages = data.get("package", [])
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise _malformed(name, "package", "a list of [[package]] tables")
    for package in packages:
        if not is_distribution_name(package.get("name")):
            raise _malformed(name, f"the package name {package.get('name')!r}", "a distribution name")
        for key in ("source", "dependencies"):
            value = package.get(key)
            if value is not None and not isinstance(value, (dict, list)):
                raise _malformed(name, f"{package['name']}'s {key}", "a table or list")
        dependencies = package.get("dependencies") or []
        listed = dependencies if isinstance(dependencies, list) else [{"name": n} for n in dependencies]
        if not all(isinstance(d, dict) and is_distribution_name(d.get("name")) for d in listed):
            raise _malformed(name, f"{package['name']}'s dependencies", "a list of named packages")
        if not isinstance(package.get("source") or {}, dict):
            raise _malformed(name, f"{package['name']}'s source", "a table")
    return {canonicalize_name(p["name"]): p for p in packages}


def _uv_lock(root: Path, project: Project | None) -> Dependencies:
    data, text = _toml(root, "uv.lock")
    packages = _locked_packages(data, "uv.lock")
    root_package = next(
        (
            p
            for p in packages.values()
            if (p.get("source") or {}).get("editable") == "." or (p.get("source") or {}).get("virtual") == "."
        ),
        None,
    )
    for package in packages.values():
        source = package.get("source") or {}
        if package is not root_package and not source.get("registry"):
            raise DockwiseError(
                f"uv.lock:{line_of(text, _toml_name(package))}: {package['name']} "
                f"comes from {', '.join(source) or 'an unknown source'}, not a package index",
                "dockwise installs locked packages with --require-hashes; lock a released version",
                exit_code=EXIT_USAGE,
            )
    names = _walk(packages, root_package, lambda p: [d["name"] for d in p.get("dependencies") or []])
    return Dependencies(
        "uv",
        ("uv.lock", "pyproject.toml"),
        names,
        hashed=True,
        pinned=True,
        evidence=Evidence("uv.lock", None, f"{len(names)} locked packages (main group)"),
        pins=_locked_pins(packages, names, "uv.lock", text),
    )


def _poetry_lock(root: Path, project: Project | None) -> Dependencies:
    if project is None:
        raise DockwiseError(
            "poetry.lock without pyproject.toml", "add the pyproject.toml it was locked from", exit_code=EXIT_USAGE
        )
    data, text = _toml(root, "poetry.lock")
    packages = _locked_packages(data, "poetry.lock")
    for package in packages.values():
        kind = (package.get("source") or {}).get("type")
        if kind not in (None, "legacy"):
            raise DockwiseError(
                f"poetry.lock:{line_of(text, _toml_name(package))}: "
                f"{package['name']} comes from a {kind} source, not a package index",
                "dockwise installs locked packages with --require-hashes; lock a released version",
                exit_code=EXIT_USAGE,
            )
    poetry = table(table(project.data, "tool", "pyproject.toml"), "poetry", "pyproject.toml", "[tool].")
    declared = table(poetry, "dependencies", "pyproject.toml", "[tool.poetry].")
    direct = [canonicalize_name(n) for n in declared if n.lower() != "python" and is_distribution_name(n)]
    direct += [canonicalize_name(Requirement(r).name) for r in project.dependencies]
    start = {"dependencies": {name: "*" for name in direct}}
    names = _walk(packages, start, lambda p: list(p.get("dependencies") or {}))
    return Dependencies(
        "poetry",
        ("poetry.lock", "pyproject.toml"),
        names,
        hashed=True,
        pinned=True,
        evidence=Evidence("poetry.lock", None, f"{len(names)} locked packages (main group)"),
        pins=_locked_pins(packages, names, "poetry.lock", text),
    )


def _locked_pins(packages: dict[str, dict], names: frozenset[str], lockfile: str, text: str) -> tuple[Pin, ...]:
    return valid_pins(
        Pin(name, packages[name]["version"], Evidence(lockfile, line_of(text, _toml_name(packages[name]))))
        for name in sorted(names)
        if isinstance(packages[name].get("version"), str)
    )


def _toml_name(package: dict) -> str:
    return f'name = "{package["name"]}"'


def _walk(packages: dict, start: dict | None, edges) -> frozenset[str]:
    """Names reachable from `start` through `edges` (markers ignored: a superset is safe for deciding what to add)."""
    if start is None:
        return frozenset(packages)
    seen: set[str] = set()
    todo = [canonicalize_name(n) for n in edges(start)]
    while todo:
        name = todo.pop()
        if name in seen or name not in packages:
            continue
        seen.add(name)
        todo.extend(canonicalize_name(n) for n in edges(packages[name]))
    return frozenset(seen)


_HASH = re.compile(r"(sha256|sha384|sha512|md5):[0-9a-fA-F]{1,128}")
_VERSION = re.compile(r"==[A-Za-z0-9.!+_-]+")


def _pipfile_entry_ok(name: str, entry: object) -> bool:
    """A default entry the build's one-liner turns into one requirements line: every part matches its grammar, so
    nothing can add a line or an option to what pip reads."""
    if not isinstance(entry, dict) or not is_distribution_name(name):
        return False
    hashes, version = entry.get("hashes"), entry.get("version")
    extras, markers = entry.get("extras") or [], entry.get("markers")
    if not (isinstance(hashes, list) and hashes and all(isinstance(h, str) and _HASH.fullmatch(h) for h in hashes)):
        return False
    if not (isinstance(version, str) and _VERSION.fullmatch(version)):
        return False
    if not (isinstance(extras, list) and all(is_distribution_name(e) for e in extras)):
        return False
    if markers is not None:
        try:
            Marker(markers)
        except (InvalidMarker, TypeError):
            return False
        if "\n" in markers or "\r" in markers:
            return False
    return True


def _pipfile_lock(root: Path) -> Dependencies:
    text = read_app_file(root, "Pipfile.lock")
    try:
        default = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DockwiseError(
            f"Pipfile.lock is not valid JSON ({exc})", "run `pipenv lock` again", exit_code=EXIT_USAGE
        ) from None
    except RecursionError:
        raise DockwiseError("Pipfile.lock nests too deeply", "run `pipenv lock` again", exit_code=EXIT_USAGE) from None
    default = table(default if isinstance(default, dict) else {"default": 0}, "default", "Pipfile.lock")
    for name, entry in default.items():
        unsupported = [key for key in ("git", "path", "file", "editable") if isinstance(entry, dict) and key in entry]
        if unsupported or not _pipfile_entry_ok(name, entry):
            raise DockwiseError(
                f"Pipfile.lock:{line_of(text, json.dumps(name))}: {name} is not a hashed release "
                f"({', '.join(unsupported) or 'its version, hashes, extras or markers are missing or malformed'})",
                "dockwise installs locked packages with --require-hashes; lock a released version",
                exit_code=EXIT_USAGE,
            )
    return Dependencies(
        "pipenv",
        ("Pipfile.lock",),
        frozenset(canonicalize_name(n) for n in default),
        hashed=True,
        pinned=True,
        evidence=Evidence("Pipfile.lock", None, f"{len(default)} locked packages (default)"),
        pins=valid_pins(
            Pin(
                canonicalize_name(name),
                entry["version"].removeprefix("=="),
                Evidence("Pipfile.lock", line_of(text, json.dumps(name))),
                entry.get("markers"),
            )
            for name, entry in default.items()
        ),
    )


def _from_pyproject(project: Project) -> Dependencies:
    evidence = project.evidence("dependencies")
    notes = []
    if project.dynamic_dependencies:
        notes.append(
            "pyproject.toml declares its dependencies dynamic: they are installed with the project "
            "itself, so a code change reinstalls them (no separate dependency layer)"
        )
    return Dependencies(
        "pyproject",
        ("pyproject.toml",),
        _names(project.dependencies),
        hashed=False,
        pinned=bool(project.dependencies) and all(_exact(r) for r in project.dependencies),
        evidence=Evidence("pyproject.toml", evidence.line, f"{len(project.dependencies)} dependencies"),
        notes=tuple(notes),
        pins=valid_pins(
            Pin(canonicalize_name(r.name), s.version, project.evidence(dependency), str(r.marker) if r.marker else None)
            for dependency in project.dependencies
            if _exact(dependency)
            for r in [Requirement(dependency)]
            for s in r.specifier
            if s.operator in ("==", "===")
        ),
    )


def _chosen(root: Path, chosen: list[str], project: Project | None) -> Dependencies:
    for path in chosen:
        if not is_app_file(root, path):
            raise DockwiseError(
                f"--deps {path}: no such file in the app",
                "name a file relative to the app directory",
                exit_code=EXIT_USAGE,
            )
    names = [PurePosixPath(p).name for p in chosen]
    if len(chosen) == 1 and names[0] in LOCKFILES + ("pyproject.toml",):
        if chosen[0] != names[0]:
            raise DockwiseError(
                f"--deps {chosen[0]}: lockfiles and pyproject.toml are read at the app's root",
                "run dockwise init on the directory that holds them",
                exit_code=EXIT_USAGE,
            )
        return _by_name(root, names[0], project)
    if any(name in LOCKFILES + ("pyproject.toml",) for name in names):
        raise DockwiseError(
            "--deps mixes a lockfile or pyproject.toml with other files",
            "pass one lockfile, or requirements files only",
            exit_code=EXIT_USAGE,
        )
    return _from_requirements(root, chosen, chosen=True)


def _by_name(root: Path, name: str, project: Project | None) -> Dependencies:
    if name == "uv.lock":
        return _uv_lock(root, project)
    if name == "poetry.lock":
        return _poetry_lock(root, project)
    if name == "Pipfile.lock":
        return _pipfile_lock(root)
    if project is None:
        raise DockwiseError("no pyproject.toml", "pass --deps with the app's dependency file", exit_code=EXIT_USAGE)
    return _from_pyproject(project)


def detect_dependencies(root: Path, files: list[str], project: Project | None, chosen: list[str]) -> Dependencies:
    """How the image installs the app's dependencies; every file it names is a safe path inside the app, since
    each becomes a mount source and a word of the install command."""
    found = _detect(root, files, project, chosen)
    for path in found.files + found.requirement_roots:
        if not is_app_path(path):
            raise DockwiseError(
                f"the dependency file name {path!r} cannot be used in a Dockerfile safely (a space, quote, $, comma, "
                "= or leading dash)",
                "rename it to letters, digits and . _ - (and the -r lines that name it)",
                exit_code=EXIT_USAGE,
            )
    return found


def _detect(root: Path, files: list[str], project: Project | None, chosen: list[str]) -> Dependencies:
    if chosen:
        return _chosen(root, chosen, project)
    present = set(files)
    locks = [name for name in LOCKFILES if name in present]
    if len(locks) > 1:
        raise DockwiseError(
            f"conflicting lockfiles: {' and '.join(locks)}",
            f"remove the stale one, or pass --deps {locks[0]}",
            exit_code=EXIT_USAGE,
        )
    requirements = [name for name in REQUIREMENTS_NAMES if name in present]
    if locks:
        found = _by_name(root, locks[0], project)
        ignored = requirements[:1] + (["pyproject.toml dependencies"] if project and project.dependencies else [])
        if ignored:
            found = _with_note(found, f"{locks[0]} wins over {', '.join(ignored)} (lockfile first; --deps to choose)")
        return found
    if "Pipfile" in present:
        raise DockwiseError(
            "Pipfile without Pipfile.lock", "run `pipenv lock` and commit Pipfile.lock", exit_code=EXIT_USAGE
        )
    if requirements:
        found = _from_requirements(root, requirements[:1], chosen=False)
        if project and project.dependencies and not found.local_lines:
            found = _with_note(found, f"{requirements[0]} wins over pyproject.toml's dependencies (--deps to choose)")
        return found
    if project is not None and (project.dependencies or project.packaged):
        return _from_pyproject(project)
    if project is not None and (project.data.get("tool") or {}).get("poetry", {}).get("dependencies"):
        raise DockwiseError(
            "pyproject.toml has Poetry dependencies but there is no poetry.lock",
            "run `poetry lock` and commit poetry.lock",
            exit_code=EXIT_USAGE,
        )
    return Dependencies(
        "none", (), frozenset(), hashed=False, pinned=True, evidence=Evidence(".", None, "no dependency file")
    )


def _with_note(found: Dependencies, note: str) -> Dependencies:
    from dataclasses import replace

    return replace(found, notes=found.notes + (note,))
