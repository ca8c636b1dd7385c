"""Stage 6: what the image carries in /app — the served code, the data directories and files it names — and what
it leaves out (secrets never go in)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.grammar import (
    is_app_path,
)
from dockwise.pyapp.scan import (
    NOT_SERVED_DIRS,
    SKIPPED_DIRS,
    Module,
    is_app_file,
)
from dockwise.pyapp.shims import MAIN_MODULE
from dockwise.pyapp.stages.install import Install
from dockwise.pyapp.stages.log import Log
from dockwise.pyapp.stages.serve import Serving
from dockwise.pyapp.stages.source import Source

if TYPE_CHECKING:
    from dockwise.pyapp.stages.writes import Writes


# Top-level files never needed at run time (dependency files are bind-mounted into the build, not copied).
NOT_RUNTIME = (
    "Dockerfile",
    "Dockerfile.distroless",
    ".dockerignore",
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
    "Procfile",
    "Makefile",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "Pipfile",
    "Pipfile.lock",
    "poetry.lock",
    "uv.lock",
    "pdm.lock",
    "runtime.txt",
    ".python-version",
    "tox.ini",
    "app.json",
    "azure.yaml",
    "startup.sh",
    "MANIFEST.in",
)


NOT_RUNTIME_SUFFIXES = (
    ".md",
    ".rst",
    ".txt",
    ".lock",
    ".sqlite",
    ".sqlite3",
    ".db",
    ".log",
    ".env",
    ".pem",
    ".key",
    ".sh",
    ".toml",
    ".cfg",
    ".ini",
    ".yml",
    ".yaml",
    ".sample",
)


DATA_DIRS = frozenset({"templates", "static", "locale", "assets", "public"})


# Named by the code or not, never copied: secrets (pass them at run time) and what the app writes or locks.
SECRET_SUFFIXES = (".env", ".pem", ".key")


WRITTEN_SUFFIXES = (".sqlite", ".sqlite3", ".db", ".log", ".lock", *SECRET_SUFFIXES)


# Config files the code names: copied, and read for the SQLite URLs they hold.
CONFIG_SUFFIXES = (".yml", ".yaml", ".ini", ".toml", ".cfg", ".json", ".conf")


@dataclass(frozen=True)
class Copies:
    """What the image carries in /app, what it leaves out, and the module the build checks is importable."""

    copies: list[str]
    left_out: list[str]
    import_check: str | None


def plan_copies(source: Source, install: Install, serving: Serving, writes: Writes, log: Log) -> Copies:
    candidate = serving.candidate
    copies, left_out, secrets = _copies(
        source.root,
        source.files,
        source.modules,
        serving.procfile,
        serving.argv,
        install.packaged,
        writes.writable,
        serving.django,
    )
    log.notes += secrets
    for entry in copies:
        if not is_app_path(entry.rstrip("/")):
            raise DockwiseError(
                f"{entry!r} is needed in the image but its name cannot be used in a Dockerfile COPY safely (a space, "
                "quote, $, comma, = or leading dash)",
                "rename it to letters, digits and . _ -",
                exit_code=EXIT_USAGE,
            )
    if candidate is not None and candidate.main_script:
        copies.append(f"{MAIN_MODULE}.py")
    if left_out:
        log.notes.append(
            "not copied into the image: " + ", ".join(left_out) + " (add a COPY line if the app needs them)"
        )
    import_check = candidate.module if candidate and candidate.evidence.file != "--app" else None
    import_check = serving.serving.module if serving.serving else import_check
    return Copies(copies, left_out, import_check)


@dataclass(frozen=True)
class NamedFile:
    """A top-level entry of the app folder that a string literal in the served code names (`"config.yml"`,
    `"data/words.txt"`)."""

    name: str
    evidence: Evidence

    @property
    def secret(self) -> bool:
        return self.name.endswith(SECRET_SUFFIXES) or self.name.startswith(".env")


def named_files(top: list[str], modules: list[Module]) -> dict[str, NamedFile]:
    """The top-level entries the code names by a string literal, each with the first place that names it."""
    present = {entry.rstrip("/") for entry in top}
    found: dict[str, NamedFile] = {}
    for module in modules:
        for node in _constants(module):
            head = node.value.removeprefix("./").lstrip("/").split("/")[0]
            if head in present and head not in found:
                found[head] = NamedFile(head, Evidence(module.path, node.lineno, node.value))
    return found


def _top(files: list[str]) -> list[str]:
    return sorted({f.split("/", 1)[0] + ("/" if "/" in f else "") for f in files})


def named_config_files(root: Path, files: list[str], modules: list[Module]) -> list[str]:
    """Top-level config files the code names that the image carries (read for the SQLite URLs they hold)."""
    return [
        named.name
        for named in named_files(_top(files), modules).values()
        if named.name.endswith(CONFIG_SUFFIXES)
        and not named.secret
        and named.name not in NOT_RUNTIME
        and is_app_file(root, named.name)
    ]


def _copies(
    root, files, modules: list[Module], procfile, argv, packaged: bool, writable, django
) -> tuple[list[str], list[str], list[str]]:
    """Top-level paths the image needs in /app: served modules and packages, the data directories the code names
    (templates, static), files the code names by a string literal (a config.yml it loads by relative path, a data
    file), files the command names (a server config). Everything else stays out, and so does a named file that looks
    like a secret (.env, .pem, .key): the third list says where the code names one."""
    top = _top(files)
    named = named_files(top, modules)
    # A top-level entry the app writes is a link to /data, not a copy; the folder a database sits in is still copied.
    writable_names = {w.path.name for w in writable if w.path.parent == PurePosixPath("/app")}
    command_files = {w for w in argv if is_app_file(root, w)}
    served_dirs = {m.path.split("/", 1)[0] for m in modules if "/" in m.path}
    copies: list[str] = []
    left_out: list[str] = []
    secrets: list[str] = []
    for entry in top:
        name = entry.rstrip("/")
        is_dir = entry.endswith("/")
        if name in writable_names or (django and django.static_root and name == str(django.static_root).split("/")[0]):
            continue
        if name in named and named[name].secret:
            secrets.append(
                f"{named[name].evidence.where()} names {name}, which looks like a secret: not copied into the image "
                "(pass its values as environment variables, or mount it at run time)"
            )
            continue
        if name.startswith(".") or name in SKIPPED_DIRS:
            continue
        needed = False
        if name in command_files:
            needed = True
        elif packaged:
            needed = False
        elif is_dir:
            needed = (name in served_dirs or name in named or name in DATA_DIRS) and name not in NOT_SERVED_DIRS
        else:
            needed = (name.endswith(".py") and any(m.path == name for m in modules)) or (
                name in named and not name.endswith(WRITTEN_SUFFIXES) and name not in NOT_RUNTIME
            )
        (copies if needed else left_out).append(entry)
    return (
        copies,
        [e for e in left_out if not _obviously_not_runtime(e) and not (packaged and e.rstrip("/") in served_dirs)],
        secrets,
    )


def _obviously_not_runtime(entry: str) -> bool:
    name = entry.rstrip("/")
    return (
        name in NOT_RUNTIME
        or name.endswith(NOT_RUNTIME_SUFFIXES)
        or name.startswith("LICENSE")
        or name.startswith("requirements")
        or name in NOT_SERVED_DIRS
        or name.startswith(".")
        or name in ("infra", "deploy", "config", "bin", "tests")
    )


def _constants(module: Module):
    import ast

    return [
        n
        for n in ast.walk(module.tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and 0 < len(n.value) < 100 and "\n" not in n.value
    ]
