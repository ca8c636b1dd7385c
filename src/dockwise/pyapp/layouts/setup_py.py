"""What a setup.py says about the project, read from its syntax tree: setup.py is code from an untrusted folder, so
it is never run on the host (the builder runs it, through setuptools' legacy backend, to build the wheel).

The `setup(...)` call's keywords are read when each is a literal, or a name bound at module level to one (as
`install_requires=requires` with `requires = [...]` above the call), or a list or dict of those. Anything else (a
list read from requirements.txt, a comprehension, a function's result) is unread: the caller says so and falls
back, as it does for a pyproject.toml whose dependencies are dynamic.

Good (read: install_requires is the list `requires` names)::

    from setuptools import setup

    requires = ["pyramid", "waitress"]
    setup(name="tutorial", install_requires=requires,
          entry_points={"paste.app_factory": ["main = tutorial:main"]})

Bad (unread: install_requires is computed from a file, so it is installed with the project in the build)::

    from setuptools import setup

    setup(name="tutorial", install_requires=open("requirements.txt").read().splitlines())
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from dockwise.pyapp.pyast import module_assignments

UNREAD = object()
"""A keyword whose value is not a literal setup.py states (computed when setup.py runs)."""
_MAX_DEPTH = 8  # names bound to names bound to literals: followed this far, never in a cycle


@dataclass(frozen=True)
class SetupPy:
    """The literal keywords of setup.py's `setup(...)` call; `unread` names those present but computed."""

    name: str | None
    install_requires: tuple[str, ...]
    extras_require: dict[str, tuple[str, ...]]
    python_requires: str | None
    classifiers: tuple[str, ...]
    entry_points: dict[str, dict[str, str]]  # group -> {name: "module:function"}
    lines: dict[str, int] = field(default_factory=dict)  # keyword -> the line it is given on
    unread: tuple[str, ...] = ()
    package_data: bool = False  # include_package_data or package_data: non-Python files of the packages ship
    packages_given: bool = False  # packages= or py_modules=: no automatic discovery


_KEYWORDS = (
    "name",
    "install_requires",
    "extras_require",
    "python_requires",
    "classifiers",
    "entry_points",
    "include_package_data",
    "package_data",
    "packages",
    "py_modules",
)


def read_setup_py(text: str) -> SetupPy | None:
    """setup.py's `setup(...)` keywords; None when it is not Python or calls no `setup`."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    call = next((node for node in ast.walk(tree) if _is_setup_call(node)), None)
    if not isinstance(call, ast.Call):
        return None
    bindings = _bindings(tree)
    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    unread: list[str] = []
    for keyword in call.keywords:
        if keyword.arg not in _KEYWORDS:
            continue
        lines[keyword.arg] = keyword.value.lineno
        value = _value(keyword.value, bindings, 0)
        if value is UNREAD:
            unread.append(keyword.arg)
        else:
            values[keyword.arg] = value
    if any(k.arg is None for k in call.keywords):  # setup(**options): any keyword may be in there
        unread.append("**")
    read = {key: _typed(key, value) for key, value in values.items()}
    unread += [key for key, value in read.items() if value is UNREAD]
    read = {key: value for key, value in read.items() if value is not UNREAD}
    return SetupPy(
        name=read.get("name"),  # type: ignore[arg-type]
        install_requires=read.get("install_requires", ()),  # type: ignore[arg-type]
        extras_require=read.get("extras_require", {}),  # type: ignore[arg-type]
        python_requires=read.get("python_requires"),  # type: ignore[arg-type]
        classifiers=read.get("classifiers", ()),  # type: ignore[arg-type]
        entry_points=read.get("entry_points", {}),  # type: ignore[arg-type]
        lines=lines,
        unread=tuple(unread),
        package_data=bool(values.get("include_package_data")) or "package_data" in lines,
        packages_given="packages" in lines or "py_modules" in lines,
    )


def _is_setup_call(node: ast.AST) -> bool:
    """`setup(...)` or `setuptools.setup(...)` (distutils' too)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "setup") or (
        isinstance(func, ast.Attribute) and func.attr == "setup" and isinstance(func.value, ast.Name)
    )


def _bindings(tree: ast.Module) -> dict[str, ast.AST]:
    """Module-level names bound once and never changed after (`requires += [...]`, `requires.append(...)` make a
    name unread)."""
    assigned = module_assignments(tree)
    counts: dict[str, int] = {}
    for name, _value_node, _line in assigned:
        counts[name] = counts.get(name, 0) + 1
    changed = {name for name, count in counts.items() if count > 1}
    for node in tree.body:
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            changed.add(node.target.id)
        elif (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and isinstance(node.value.func.value, ast.Name)
        ):
            changed.add(node.value.func.value.id)
    return {name: value for name, value, _line in assigned if name not in changed}


def _value(node: ast.AST, bindings: dict[str, ast.AST], depth: int) -> object:
    """A literal, a name bound to one, or a list/tuple/dict of those; UNREAD for anything computed."""
    if depth > _MAX_DEPTH:
        return UNREAD
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bool, int)):
        return node.value
    if isinstance(node, ast.Name):
        bound = bindings.get(node.id)
        return UNREAD if bound is None else _value(bound, bindings, depth + 1)
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_value(item, bindings, depth + 1) for item in node.elts]
        return UNREAD if any(item is UNREAD for item in items) else items
    if isinstance(node, ast.Dict):
        keys = [key for key in node.keys if key is not None]
        if len(keys) != len(node.values):  # {**other}
            return UNREAD
        pairs = [(_value(k, bindings, depth + 1), _value(v, bindings, depth + 1)) for k, v in zip(keys, node.values)]
        if any(k is UNREAD or v is UNREAD or not isinstance(k, str) for k, v in pairs):
            return UNREAD
        return dict(pairs)
    return UNREAD


def _strings(value: object) -> tuple[str, ...] | object:
    """A list of strings, or one string of lines (setuptools accepts both)."""
    if isinstance(value, str):
        return tuple(line.strip() for line in value.splitlines() if line.strip() and not line.strip().startswith("#"))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return UNREAD


def _typed(key: str, value: object) -> object:
    """The keyword's value in the type setuptools takes it as; UNREAD for a value of another shape."""
    if key in ("name", "python_requires"):
        return value if isinstance(value, str) and value.strip() else UNREAD
    if key in ("install_requires", "classifiers"):
        return _strings(value)
    if key == "extras_require":
        if not isinstance(value, dict):
            return UNREAD
        extras = {name: _strings(lines) for name, lines in value.items()}
        return UNREAD if any(lines is UNREAD for lines in extras.values()) else extras
    if key == "entry_points":
        if not isinstance(value, dict):
            return UNREAD
        return {group: entry_lines(lines) for group, lines in value.items()}
    return value


def entry_lines(value: object) -> dict[str, str]:
    """`["main = pkg:main"]` or `"main = pkg:main"` (an entry-point group as setup.py gives it) as {name: target}."""
    lines = value.splitlines() if isinstance(value, str) else value if isinstance(value, list) else []
    pairs = (line.split("=", 1) for line in lines if isinstance(line, str) and "=" in line)
    return {name.strip(): target.strip() for name, target in pairs}
