"""Small readers over a module's AST: what its imported names mean, literal values, and simple path expressions."""

from __future__ import annotations

import ast
from pathlib import PurePosixPath

from dockwise.pyapp.scan import Module


def import_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted origin, for absolute imports anywhere in the module (`from flask import Flask as F`)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """`flask.Flask` / `F` -> 'flask.Flask', through the module's imports; None for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    head = aliases.get(node.id, node.id)
    return ".".join([head, *reversed(parts)])


def literal(node: ast.AST | None):
    try:
        return ast.literal_eval(node) if node is not None else None
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def keyword(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def is_main_guard(node: ast.AST) -> bool:
    """`if __name__ == "__main__":`"""
    test = node.test if isinstance(node, ast.If) else None
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and [literal(c) for c in test.comparators] == ["__main__"]
    )


def module_assignments(tree: ast.Module) -> list[tuple[str, ast.AST, int]]:
    """(name, value, line) of module-level `NAME = value` and `NAME: T = value`, in order."""
    found: list[tuple[str, ast.AST, int]] = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.append((target.id, node.value, node.lineno))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found.append((node.target.id, node.value, node.lineno))
    return found


ROOT = PurePosixPath(".")
OUTSIDE = None


class PathEvaluator:
    """Evaluates the path expressions settings files use (`Path(__file__).resolve().parent / "db.sqlite3"`,
    `os.path.join(BASE_DIR, "media")`) to a path relative to the app root; None when it cannot tell. `file`: where the
    module's file is when the app runs, when that is not its place in the app folder (an installed package's module
    is in site-packages): paths derived from it are then absolute.

    `app.root_path` of a Flask or Quart app (or blueprint) made from `__name__` is the module's folder."""

    def __init__(self, module: Module, aliases: dict[str, str], file: PurePosixPath | None = None):
        self.file = file or PurePosixPath(module.path)
        self.aliases = aliases
        self.bindings: dict[str, PurePosixPath | str] = {}
        self.named_after_module: set[str] = set()  # names bound to `Flask(__name__)`, `Blueprint("b", __name__)`

    def bind_module(self, tree: ast.Module) -> None:
        for name, value, _line in module_assignments(tree):
            if isinstance(value, ast.Call) and any(isinstance(a, ast.Name) and a.id == "__name__" for a in value.args):
                self.named_after_module.add(name)
            result = self.value(value)
            if result is not None:
                self.bindings[name] = result

    def value(self, node: ast.AST) -> PurePosixPath | str | None:
        """A PurePosixPath relative to the app root, a plain string, or None (also for expressions nested too deeply
        to follow)."""
        try:
            return self._value(node)
        except RecursionError:
            return None

    def _value(self, node: ast.AST) -> PurePosixPath | str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return self.file
            return self.bindings.get(node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return self._join(self.value(node.left), self.value(node.right))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._concatenate([node.left, node.right])
        if isinstance(node, ast.JoinedStr):
            return self._concatenate(node.values)
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            return self._parent(self.value(node.value))
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "root_path"
            and isinstance(node.value, ast.Name)
            and node.value.id in self.named_after_module
        ):
            return self.file.parent
        if isinstance(node, ast.Call):
            return self._call(node)
        return None

    def _call(self, node: ast.Call) -> PurePosixPath | str | None:
        name = dotted(node.func, self.aliases) or ""
        args = [self.value(a) for a in node.args]
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("resolve", "absolute", "expanduser"):
            return self.value(node.func.value)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "joinpath":
            return self._join(self.value(node.func.value), *args)
        if name in ("pathlib.Path", "pathlib.PurePath", "str", "os.fspath") and len(args) == 1:
            return args[0]
        if name in ("os.path.abspath", "os.path.realpath", "os.path.normpath") and len(args) == 1:
            return args[0]
        if name == "os.path.dirname" and len(args) == 1:
            return self._parent(args[0])
        if name == "os.path.join" and args:
            return self._join(*args)
        return None

    def _concatenate(self, nodes: list[ast.expr]) -> str | None:
        """`f"{BASE_DIR}/app.db"` or `BASE_DIR_TEXT + "/app.db"`: the text, when every part is known (a path part as
        written relative to the app root); None for a conversion or format spec, which could change the text."""
        parts = []
        for node in nodes:
            if isinstance(node, ast.FormattedValue):
                if node.conversion not in (-1, ord("s")) or node.format_spec is not None:
                    return None
                node = node.value
            value = self.value(node)
            if value is None:
                return None
            parts.append(str(value))
        return "".join(parts)

    @staticmethod
    def _as_path(value) -> PurePosixPath | None:
        if isinstance(value, PurePosixPath):
            return value
        if isinstance(value, str):
            return PurePosixPath(value)
        return None

    def _join(self, *parts) -> PurePosixPath | None:
        paths = [self._as_path(p) for p in parts]
        known = [p for p in paths if p is not None]
        if len(known) != len(paths):
            return None
        result = known[0]
        for path in known[1:]:
            result = result / path
        return result

    def _parent(self, value) -> PurePosixPath | None:
        path = self._as_path(value)
        if path is None or path == ROOT or str(path) in ("", "."):
            return None  # above the app root: not something the image holds
        return path.parent


def imported_modules(module: Module) -> set[str]:
    """Dotted names a module imports (absolute and relative), with every parent package and, for
    `from PKG import NAME`, `PKG.NAME` too (NAME may be a submodule)."""
    package = module.name if module.path.endswith("__init__.py") else module.name.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                anchor = ".".join(parts[: len(parts) - (node.level - 1)]) if node.level - 1 <= len(parts) else ""
                base = ".".join(p for p in (anchor, base) if p)
            if base:
                names.add(base)
            names.update(f"{base}.{alias.name}" if base else alias.name for alias in node.names)
    return {".".join(name.split(".")[:n]) for name in names for n in range(1, name.count(".") + 2)}


def _names(module_name: str, imported: str) -> bool:
    """Whether `imported` names the module `module_name` (a src/ layout imports `blog`, the module is `src.blog`)."""
    return module_name == imported or module_name.endswith("." + imported)


def entry_path(entry: str, modules: list[Module]) -> set[str]:
    """The dotted names the module `entry` imports, transitively through the app's own modules (`entry` included)."""
    reached = {entry}
    pending = [m for m in modules if _names(m.name, entry)]
    seen: set[str] = set()
    while pending:
        module = pending.pop()
        if module.name in seen:
            continue
        seen.add(module.name)
        imported = imported_modules(module)
        reached |= imported
        pending += [m for m in modules if m.name not in seen and any(_names(m.name, i) for i in imported)]
    return reached


def on_path(module_name: str, path: set[str]) -> bool:
    return any(_names(module_name, name) for name in path)
