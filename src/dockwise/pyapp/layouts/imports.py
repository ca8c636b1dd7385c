"""No dependency file at all: the distributions the served code imports, inferred, unpinned, and said loudly (a
warning and a to-do: add a requirements file).

Left out: the standard library (`sys.stdlib_module_names`), the app's own modules (every file and folder name in
it: a script run from its folder imports its siblings by bare name), relative imports, imports under
`if TYPE_CHECKING:` and imports guarded by `try: ... except ImportError`. An import name is a distribution name
unless a framework provider or the table below says otherwise (`yaml` is PyYAML).

Anti-pattern: an image with nothing installed, which fails at start with ModuleNotFoundError. Best practice:
`from fastapi import FastAPI` and `from sqlmodel import ...` install fastapi and sqlmodel.
"""

from __future__ import annotations

import ast
import sys
from pathlib import PurePosixPath
from types import MappingProxyType

from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.frameworks import registry as frameworks
from dockwise.pyapp.grammar import is_distribution_name, requirement_line
from dockwise.pyapp.layouts import Dependencies, Layout, LayoutContext, listed_dependencies
from dockwise.pyapp.scan import Module

LAYOUT = Layout("imports", ())
# Import names that are not their distribution's name (the well-known ones; `flask_login` needs no entry: pip
# reads it as Flask-Login).
DISTRIBUTIONS = MappingProxyType(
    {
        "yaml": "PyYAML",
        "PIL": "Pillow",
        "jwt": "PyJWT",
        "bs4": "beautifulsoup4",
        "dotenv": "python-dotenv",
        "sklearn": "scikit-learn",
        "cv2": "opencv-python-headless",
        "psycopg2": "psycopg2-binary",
        "dateutil": "python-dateutil",
        "jose": "python-jose",
        "multipart": "python-multipart",
        "magic": "python-magic",
        "socketio": "python-socketio",
        "engineio": "python-engineio",
        "slugify": "python-slugify",
        "Crypto": "pycryptodome",
        "OpenSSL": "pyOpenSSL",
        "MySQLdb": "mysqlclient",
        "google.protobuf": "protobuf",
        "attr": "attrs",
        "serial": "pyserial",
        "usb": "pyusb",
        "git": "GitPython",
        "ldap": "python-ldap",
        "docx": "python-docx",
        "pptx": "python-pptx",
        "fitz": "PyMuPDF",
        "rest_framework": "djangorestframework",
        "corsheaders": "django-cors-headers",
        "environ": "django-environ",
        "debug_toolbar": "django-debug-toolbar",
        "zmq": "pyzmq",
        "websocket": "websocket-client",
        "pkg_resources": "setuptools",
    }
)
# Namespace packages whose distributions are named after the first three parts: google.cloud.storage is
# google-cloud-storage.
NAMESPACES = frozenset({"google", "azure"})
_GUARDS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def detect(context: LayoutContext) -> Dependencies:
    own = _own_names(context.files)
    found: dict[str, Evidence] = {}
    for module in context.modules:
        for name, number in _imports(module):
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top in own or top == "__future__":
                continue
            distribution = _distribution(name)
            if distribution is not None:
                found.setdefault(distribution, Evidence(module.path, number, f"import {name}"))
    lines = tuple(line for d in sorted(found, key=str.lower) if (line := requirement_line(d)) is not None)
    if not lines:
        return Dependencies(
            "none",
            (),
            frozenset(),
            hashed=False,
            pinned=True,
            evidence=Evidence(".", None, "no dependency file, and the code imports only the standard library"),
            install="nothing",
        )
    first = next(iter(sorted(found.values(), key=lambda e: (e.file, e.line or 0))))
    inferred = listed_dependencies(
        "imports",
        lines,
        Evidence(first.file, first.line, "no dependency file: inferred from the imports"),
        (),
        warning=(
            "the app declares no dependencies (no requirements file, lock, Pipfile or pyproject.toml dependencies): "
            f"dockwise installs the "
            f"{len(lines)} distributions its code imports ("
            + ", ".join(f"{d} from {e.where()}" for d, e in sorted(found.items(), key=lambda kv: kv[0].lower()))
            + "), unpinned: the newest releases, not the versions the app was written against"
        ),
        todo=(
            "add a requirements file: `pip freeze > requirements.txt` in the environment the app runs in (or "
            "list the distributions with their versions), then `dockwise init --force`"
        ),
    )
    return inferred


def _own_names(files: tuple[str, ...]) -> frozenset[str]:
    """Every name the app's own code could be imported by: each folder and each .py file's stem."""
    names: set[str] = set()
    for path in files:
        parts = PurePosixPath(path).parts
        names.update(parts[:-1])
        if parts[-1].endswith((".py", ".so", ".pyd")):
            names.add(parts[-1].split(".")[0])
    return frozenset(names)


def _distribution(name: str) -> str | None:
    table = _table()
    dotted = next((table[prefix] for prefix in _prefixes(name) if prefix in table), None)
    parts = name.split(".")
    distribution = dotted or ("-".join(parts[:3]) if parts[0] in NAMESPACES else parts[0])
    return distribution if is_distribution_name(distribution) else None


def _prefixes(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _table() -> dict[str, str]:
    table = {top: f.distribution for f in frameworks() for top in f.top_level}
    return {**table, **DISTRIBUTIONS}


def _imports(module: Module) -> list[tuple[str, int]]:
    """(dotted name, line) of each absolute import that runs unguarded."""
    found: list[tuple[str, int]] = []
    _visit(module.tree, found)
    return found


def _visit(node: ast.AST, found: list[tuple[str, int]]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Try) and _guards_import(child):
            for part in child.orelse + child.finalbody:
                _visit(part, found)
            continue
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for part in child.orelse:
                _visit(part, found)
            continue
        if isinstance(child, ast.Import):
            found += [(alias.name, child.lineno) for alias in child.names]
        elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
            parts = child.module.split(".")
            if parts[0] in NAMESPACES and len(parts) < 3:  # `from google.cloud import storage`: the module is named
                found += [(f"{child.module}.{alias.name}", child.lineno) for alias in child.names]
            else:
                found.append((child.module, child.lineno))
        _visit(child, found)


def _guards_import(node: ast.Try) -> bool:
    for handler in node.handlers:
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if handler.type is None or any(isinstance(t, ast.Name) and t.id in _GUARDS for t in types):
            return True
    return False


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )
