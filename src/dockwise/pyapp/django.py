"""A Django project read from its files: manage.py -> DJANGO_SETTINGS_MODULE -> the settings module (following
`from .base import *` splits) -> WSGI_APPLICATION / ASGI_APPLICATION, STATIC_ROOT, MEDIA_ROOT, SQLite databases,
and the environment variables the settings read."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.grammar import is_module_path
from dockwise.pyapp.pyast import PathEvaluator, dotted, import_aliases, keyword, literal, module_assignments
from dockwise.pyapp.runtime import sqlite_database
from dockwise.pyapp.scan import Module, is_app_file, parse_module


@dataclass(frozen=True)
class DjangoProject:
    settings_module: str
    settings_alternatives: tuple[str, ...]
    settings_evidence: Evidence
    application: str | None  # "proj.wsgi:application"
    interface: str  # wsgi | asgi
    application_evidence: Evidence
    static_root: PurePosixPath | None
    static_evidence: Evidence | None
    media_root: PurePosixPath | None
    media_evidence: Evidence | None
    sqlite_files: tuple[tuple[PurePosixPath, Evidence], ...]
    required_env: tuple[tuple[str, Evidence], ...]  # os.environ["X"]: settings fail to import without them
    optional_env: tuple[tuple[str, Evidence], ...]
    installed_apps: tuple[str, ...]


def _module_file(root: Path, dotted_name: str) -> str | None:
    if not is_module_path(dotted_name):
        return None
    base = PurePosixPath(*dotted_name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if is_app_file(root, candidate.as_posix()):
            return candidate.as_posix()
    return None


def _string_value(node: ast.AST, module: Module, depth: int = 0) -> tuple[str | None, tuple[str, ...]]:
    """A string literal, or what a variable holds: for `"a" if COND else "b"` the `else` branch (what runs when the
    condition's environment variable is absent, as in a fresh container), with "a" as an alternative."""
    if depth > 20:  # `A = B; B = A`, or a chain no settings file has
        return None, ()
    if isinstance(node, ast.Name):
        assigned = [
            n.value
            for n in ast.walk(module.tree)
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)
        ]
        return _string_value(assigned[-1], module, depth + 1) if assigned else (None, ())
    if isinstance(node, ast.IfExp):
        chosen, _ = _string_value(node.orelse, module, depth + 1)
        other, _ = _string_value(node.body, module, depth + 1)
        return chosen, ((other,) if other else ())
    value = literal(node)
    return (value, ()) if isinstance(value, str) else (None, ())


def settings_from_manage(module: Module) -> tuple[str, Evidence, tuple[str, ...]] | None:
    for node in ast.walk(module.tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault"
            and len(node.args) == 2
            and literal(node.args[0]) == "DJANGO_SETTINGS_MODULE"
        ):
            value, alternatives = _string_value(node.args[1], module)
            if value:
                return (
                    value,
                    Evidence(module.path, node.lineno, ast.get_source_segment(module.text, node) or ""),
                    alternatives,
                )
    return None


def _star_imports(module: Module, package: str) -> list[str]:
    """Modules a settings file star-imports from, as dotted names (relative ones resolved against `package`)."""
    found = []
    for node in module.tree.body:
        if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
            if node.level:
                parts = package.split(".")
                parent = parts[: len(parts) - node.level + 1] if node.level > 1 else parts
                found.append(".".join(parent + ([node.module] if node.module else [])))
            elif node.module:
                found.append(node.module)
    return found


MAX_STAR_IMPORT_DEPTH = 50


def _settings_chain(root: Path, name: str, seen: set[str], depth: int = 0) -> list[Module]:
    """The settings module after every module it star-imports (their assignments come first, as in Python)."""
    path = _module_file(root, name)
    if path is None or name in seen:
        return []
    if depth > MAX_STAR_IMPORT_DEPTH:
        raise DockwiseError(
            f"{path}: settings modules star-import each other more than {MAX_STAR_IMPORT_DEPTH} deep",
            "flatten the settings chain, or pass --app",
            exit_code=EXIT_USAGE,
        )
    seen.add(name)
    module = parse_module(root, path)
    package = name if path.endswith("__init__.py") else name.rsplit(".", 1)[0] if "." in name else ""
    chain: list[Module] = []
    for imported in _star_imports(module, package):
        chain += _settings_chain(root, imported, seen, depth + 1)
    return chain + [module]


def _env_reads(module: Module, aliases) -> tuple[list[tuple[str, Evidence]], list[tuple[str, Evidence]]]:
    required, optional = [], []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Subscript) and dotted(node.value, aliases) == "os.environ":
            name = literal(node.slice)
            if isinstance(name, str):
                required.append(
                    (name, Evidence(module.path, node.lineno, ast.get_source_segment(module.text, node) or ""))
                )
        elif isinstance(node, ast.Call) and node.args:
            function = dotted(node.func, aliases) or ""
            name = literal(node.args[0])
            if not isinstance(name, str):
                continue
            evidence = Evidence(module.path, node.lineno, ast.get_source_segment(module.text, node) or "")
            has_default = len(node.args) > 1 or any(k.arg == "default" for k in node.keywords)
            if function in ("os.environ.get", "os.getenv"):
                optional.append((name, evidence))
            elif function.rsplit(".", 1)[-1] in ("env", "config") or function.startswith("env."):
                (optional if has_default else required).append((name, evidence))
    return required, optional


_DATABASE_URL_READERS = ("dj_database_url.config", "dj_database_url.parse")


def _sqlite_files(
    databases: ast.AST, evaluator: PathEvaluator, module: Module, aliases: dict[str, str]
) -> list[tuple[PurePosixPath, Evidence]]:
    """SQLite files a DATABASES value names: `"NAME": BASE_DIR / "db.sqlite3"` beside a sqlite3 ENGINE, or the URL
    `dj_database_url.config(default=...)` / `.parse(...)` falls back to when DATABASE_URL is not set."""
    found: list[tuple[PurePosixPath, Evidence]] = []
    if not isinstance(databases, ast.Dict):
        return found
    for value in databases.values:
        named: ast.expr | None = None
        path: PurePosixPath | str | None = None
        if isinstance(value, ast.Dict):
            entries = {literal(k): v for k, v in zip(value.keys, value.values)}
            engine = literal(entries.get("ENGINE"))
            if isinstance(engine, str) and "sqlite" in engine and "NAME" in entries:
                named = entries["NAME"]
                path = evaluator.value(named)
        elif isinstance(value, ast.Call) and (reader := dotted(value.func, aliases) or "") in _DATABASE_URL_READERS:
            named = _default_url(value, reader)
            url = evaluator.value(named) if named is not None else None
            path = sqlite_database(url) if isinstance(url, str) else None
        if named is not None and path is not None and str(path) != ":memory:":
            found.append(
                (
                    PurePosixPath(path),
                    Evidence(module.path, named.lineno, ast.get_source_segment(module.text, named) or ""),
                )
            )
    return found


def _default_url(call: ast.Call, reader: str) -> ast.expr | None:
    """The URL dj-database-url reads when DATABASE_URL is unset: `config(default=...)` (its first positional is the
    variable's name), `parse(url)`."""
    default = next((k.value for k in call.keywords if k.arg in ("default", "url")), None)
    if default is None and reader.endswith(".parse") and call.args:
        return call.args[0]
    return default


def _branch_assignments(tree: ast.Module, name: str) -> list[ast.AST]:
    """Every value assigned to `name` at module level, in `if`/`else`, `try`/`except` and `with` bodies too: settings
    pick DATABASES by an environment variable, and the container may run either branch."""
    found: list[ast.AST] = []
    statements: list[ast.stmt] = list(tree.body)
    while statements:
        node = statements.pop(0)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            found.append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            if node.value is not None:
                found.append(node.value)
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            statements += node.body + getattr(node, "orelse", []) + getattr(node, "finalbody", [])
            statements += [s for handler in getattr(node, "handlers", []) for s in handler.body]
    return found


def read_project(root: Path, manage: Module) -> DjangoProject:
    settings = settings_from_manage(manage)
    if settings is None:
        raise DockwiseError(
            f"{manage.path} does not set DJANGO_SETTINGS_MODULE",
            "pass --app PROJECT.wsgi:application",
            exit_code=EXIT_USAGE,
        )
    settings_name, settings_evidence, alternatives = settings
    for name in (settings_name, *alternatives):
        if not is_module_path(name):
            raise DockwiseError(
                f"{settings_evidence.where()}: DJANGO_SETTINGS_MODULE {name!r} is not a Python module path",
                "set it to the dotted name of the settings module, e.g. mysite.settings",
                exit_code=EXIT_USAGE,
            )
    chain = _settings_chain(root, settings_name, set())
    if not chain:
        raise DockwiseError(
            f"{settings_evidence.where()} names settings {settings_name}, which is not in the app",
            "fix DJANGO_SETTINGS_MODULE in manage.py or pass --app",
            exit_code=EXIT_USAGE,
        )
    values: dict[str, tuple[ast.AST, Module, int]] = {}
    required: list[tuple[str, Evidence]] = []
    optional: list[tuple[str, Evidence]] = []
    evaluators: dict[str, PathEvaluator] = {}
    for module in chain:
        aliases = import_aliases(module.tree)
        evaluator = PathEvaluator(module, aliases)
        for previous in evaluators.values():
            evaluator.bindings.update(previous.bindings)
        evaluator.bind_module(module.tree)
        evaluators[module.name] = evaluator
        for name, value, line in module_assignments(module.tree):
            values[name] = (value, module, line)
        r, o = _env_reads(module, aliases)
        required += r
        optional += o
    last = evaluators[chain[-1].name]

    def string(name: str) -> tuple[str, Evidence] | None:
        if name not in values:
            return None
        node, module, line = values[name]
        value = literal(node)
        return (value, Evidence(module.path, line, f"{name} = {value!r}")) if isinstance(value, str) else None

    def path(name: str) -> tuple[PurePosixPath | None, Evidence | None]:
        first = values.get(name, (None,))[0]
        if first is None or (isinstance(first, ast.Constant) and first.value in (None, "")):
            return None, None
        node, module, line = values[name]
        result = last.value(node)
        evidence = Evidence(module.path, line, ast.get_source_segment(module.text, node) or name)
        return (PurePosixPath(result) if result is not None else PurePosixPath("?"), evidence)

    asgi, wsgi = string("ASGI_APPLICATION"), string("WSGI_APPLICATION")
    chosen, interface = (asgi, "asgi") if asgi else (wsgi, "wsgi")
    application: str | None
    if chosen:
        module_name, _, attribute = chosen[0].rpartition(".")
        if not is_module_path(chosen[0]) or not module_name:
            raise DockwiseError(
                f"{chosen[1].where()}: {interface.upper()}_APPLICATION {chosen[0]!r} is not MODULE.NAME",
                "set it to the dotted path of the application, e.g. mysite.wsgi.application",
                exit_code=EXIT_USAGE,
            )
        application, application_evidence = f"{module_name}:{attribute}", chosen[1]
    else:
        package = settings_name.split(".")[0]
        application = f"{package}.wsgi:application" if _module_file(root, f"{package}.wsgi") else None
        application_evidence = Evidence(
            settings_evidence.file, settings_evidence.line, "no WSGI_APPLICATION: Django's default, <project>/wsgi.py"
        )
    static_root, static_evidence = path("STATIC_ROOT")
    if static_root is None:
        static_root, static_evidence = _django_heroku_static(chain, last)
    media_root, media_evidence = path("MEDIA_ROOT")
    sqlite = [
        found
        for module in chain
        for node in _branch_assignments(module.tree, "DATABASES")
        for found in _sqlite_files(node, last, module, import_aliases(module.tree))
    ]
    apps = literal(values["INSTALLED_APPS"][0]) if "INSTALLED_APPS" in values else None
    apps = apps if isinstance(apps, (list, tuple)) else None
    return DjangoProject(
        settings_module=settings_name,
        settings_alternatives=alternatives,
        settings_evidence=settings_evidence,
        application=application,
        interface=interface,
        application_evidence=application_evidence,
        static_root=static_root,
        static_evidence=static_evidence,
        media_root=media_root,
        media_evidence=media_evidence,
        sqlite_files=tuple(sqlite),
        required_env=tuple(required),
        optional_env=tuple(optional),
        installed_apps=tuple(a for a in (apps or ()) if isinstance(a, str)),
    )


def _django_heroku_static(chain, evaluator) -> tuple[PurePosixPath | None, Evidence | None]:
    """`django_heroku.settings(locals())` sets STATIC_ROOT to BASE_DIR/staticfiles (and makes that folder when the
    settings are imported, so the image must hold it) unless called with `staticfiles=False`."""
    for module in chain:
        aliases = import_aliases(module.tree)
        for node in ast.walk(module.tree):
            if (
                isinstance(node, ast.Call)
                and dotted(node.func, aliases) == "django_heroku.settings"
                and literal(keyword(node, "staticfiles")) is not False
            ):
                base = evaluator.value(ast.Name("BASE_DIR", ast.Load()))
                if base is None:
                    return None, None
                evidence = Evidence(module.path, node.lineno, ast.get_source_segment(module.text, node) or "")
                return PurePosixPath(base) / "staticfiles", evidence
    return None, None
