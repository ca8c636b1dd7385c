"""Which callable serves the app, found by reading the code (never importing it): WSGI/ASGI app instances,
`create_app()` factories, plain WSGI/ASGI callables, and the port and health route the code names."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.containers import container_apps
from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.frameworks import app_constructors, app_decorators, app_methods, registry
from dockwise.pyapp.grammar import one_line, port_number
from dockwise.pyapp.layouts import Dependencies
from dockwise.pyapp.layouts.project import Project
from dockwise.pyapp.paste import paste_apps
from dockwise.pyapp.pyast import dotted, import_aliases, is_main_guard, keyword, literal
from dockwise.pyapp.scan import Module
from dockwise.pyapp.shims import MAIN_MODULE
from dockwise.pyapp.shims.dockwise_main import SERVERS as MAIN_SERVERS


@dataclass(frozen=True)
class Candidate:
    """A servable callable: `module:attribute`, called first when it is a factory."""

    module: str
    attribute: str
    factory: bool
    framework: str
    interface: str  # wsgi | asgi | aiohttp | self (pyapp/frameworks)
    evidence: Evidence
    paste: str | None = None  # the PasteDeploy .ini the server loads the app from (its factory is module:attribute)
    main_script: str | None = None  # the script dockwise_main.py runs to get the app it builds under __main__
    awaitable: bool = False  # an `async def` factory: the server awaits it (aiohttp's gunicorn worker)

    @property
    def target(self) -> str:
        return f"{self.module}:{self.attribute}" + ("()" if self.factory else "")

    def describe(self) -> str:
        if self.paste:
            return (
                f"{self.target} ({self.framework} app factory named by {self.evidence.where()}, loaded by PasteDeploy)"
            )
        if self.main_script:
            return (
                f"{self.target} (the {self.framework} app {self.evidence.where()} builds under `if __name__ == "
                '"__main__":`, handed over by dockwise_main.py)'
            )
        kind = (
            f"{self.framework} {'factory' if self.factory else 'app'}"
            if self.framework not in ("wsgi", "asgi")
            else f"{self.interface.upper()} callable"
        )
        return f"{self.target} ({kind}, {self.evidence.where()})"


Kind = tuple[str, str]  # (framework, interface)
WSGI_PARAMETERS = ["environ", "start_response"]


@dataclass(frozen=True)
class _Reader:
    """What a module's names mean when they build an app: the frameworks' constructors and app methods through the
    module's imports, and the module's own callables that build one (its WSGI classes and factories)."""

    aliases: dict[str, str]
    local: dict[str, Kind]

    def kind(self, node: ast.AST) -> Kind | None:
        if not isinstance(node, ast.Call):
            return None
        name = dotted(node.func, self.aliases) or ""
        found = app_constructors().get(name) or self.local.get(name)
        if found is None and isinstance(node.func, ast.Attribute):
            method = app_methods().get(node.func.attr)
            found = method if method and self.imports(method[0]) else None
        return found

    def imports(self, top: str) -> bool:
        return any(origin.split(".")[0] == top for origin in self.aliases.values())


def _all_defaulted(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    args = function.args
    positional = args.posonlyargs + args.args
    required = len(positional) - len(args.defaults)
    return required <= 0 and all(d is not None for d in args.kw_defaults)


def _factory_kind(function: ast.FunctionDef | ast.AsyncFunctionDef, reader: _Reader) -> Kind | None:
    if not any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(function)):
        return None
    for node in ast.walk(function):
        kind = reader.kind(node)
        if kind:
            return kind
    return None


def _param_names(function) -> list[str]:
    return [a.arg for a in function.args.posonlyargs + function.args.args]


def import_time_statements(tree: ast.Module) -> list[ast.stmt]:
    """The statements that run when the module is imported, in order: module level and inside its `with`, `try` and
    `if` blocks, except `if __name__ == "__main__":`."""
    found: list[ast.stmt] = []
    for node in tree.body:
        if is_main_guard(node):
            continue
        found.append(node)
        if isinstance(node, (ast.With, ast.If, ast.Try)):
            inner = ast.Module(
                body=[*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", [])], type_ignores=[]
            )
            found += import_time_statements(inner)
    return found


def _wsgi_classes(tree: ast.Module, aliases: dict[str, str]) -> dict[str, Kind]:
    """The module's classes whose instances are WSGI apps: a `__call__` or `wsgi_app` method taking
    (environ, start_response)."""
    framework = "werkzeug" if any(o.split(".")[0] == "werkzeug" for o in aliases.values()) else "wsgi"
    return {
        node.name: (framework, "wsgi")
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and any(
            isinstance(method, ast.FunctionDef)
            and method.name in ("__call__", "wsgi_app")
            and _param_names(method)[1:] == WSGI_PARAMETERS
            for method in node.body
        )
    }


def module_reader(module: Module) -> _Reader:
    """The module's reader, with its WSGI classes and every function that builds an app, directly or by returning
    what another of its builders returns (`get_app()` calling `create_app(store)`)."""
    aliases = import_aliases(module.tree)
    reader = _Reader(aliases, _wsgi_classes(module.tree, aliases))
    functions = [n for n in module.tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    changed = True
    while changed:
        changed = False
        for function in functions:
            if function.name not in reader.local and (kind := _factory_kind(function, reader)):
                reader.local[function.name] = kind
                changed = True
    return reader


def _evidence(module: Module, node: ast.AST) -> Evidence:
    return Evidence(module.path, getattr(node, "lineno", None), ast.get_source_segment(module.text, node) or "")


def module_candidates(module: Module) -> tuple[list[Candidate], dict[str, str]]:
    """Candidates in one module, and the factory calls its module-level apps are made with (name -> origin)."""
    reader = module_reader(module)
    found: list[Candidate] = []
    factory_calls: dict[str, str] = {}
    made_by: set[str] = set()  # the module's factories its module-level apps are made with (`app = create_app()`)
    for node in import_time_statements(module.tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            kind = reader.kind(node.value)
            if names and kind:
                found.append(Candidate(module.name, names[0], False, *kind, _evidence(module, node)))
                if isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name):
                    made_by.add(node.value.func.id)
            elif names and isinstance(node.value, ast.Call):
                origin = dotted(node.value.func, reader.aliases)
                if origin:
                    factory_calls[names[0]] = origin
    for node in module.tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            kind = reader.local.get(node.name)
            evidence = Evidence(module.path, node.lineno, f"def {node.name}(...)")
            decorated = next(
                (
                    app_decorators()[d]
                    for x in node.decorator_list
                    if (d := dotted(x, reader.aliases) or "") in app_decorators()
                ),
                None,
            )
            if decorated:
                found.append(Candidate(module.name, node.name, False, *decorated, evidence))
            elif kind and _all_defaulted(node):
                awaitable = isinstance(node, ast.AsyncFunctionDef)
                found.append(Candidate(module.name, node.name, True, *kind, evidence, awaitable=awaitable))
            elif _param_names(node) == WSGI_PARAMETERS and isinstance(node, ast.FunctionDef):
                found.append(Candidate(module.name, node.name, False, "wsgi", "wsgi", evidence))
            elif _param_names(node) == ["scope", "receive", "send"] and isinstance(node, ast.AsyncFunctionDef):
                found.append(Candidate(module.name, node.name, False, "asgi", "asgi", evidence))
    found += [
        Candidate(module.name, attribute, True, *kind, evidence)
        for attribute, kind, evidence in container_apps(module, reader.aliases, reader.kind)
    ]
    found = [c for c in found if not (c.factory and c.attribute in made_by)]
    if not found:
        found += _default_apps(module, reader)
    return found, factory_calls


def _default_apps(module: Module, reader: _Reader) -> list[Candidate]:
    """A framework's default app filled by module-level route decorators (Bottle's `@route`), reached through a
    name the module holds: `bottle.default_app` after `import bottle`, or `default_app` imported by name."""
    found = []
    for framework in registry():
        if framework.default_app is None:
            continue
        top = framework.default_app.split(".")[0]
        decorators = [
            d
            for node in module.tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            for d in node.decorator_list
            if isinstance(d, ast.Call) and (dotted(d.func, reader.aliases) or "").split(".")[0] == top
        ]
        if not decorators:
            continue
        for node in import_time_statements(module.tree):
            call = node.value if isinstance(node, ast.Expr) else None
            if isinstance(call, ast.Call) and dotted(call.func, reader.aliases) in framework.import_time_servers:
                raise DockwiseError(
                    f"{one_line(str(_evidence(module, node)))} starts "
                    f"{framework.name.capitalize()}'s development server when the module is imported, so no "
                    "production server can import the app",
                    'move it under `if __name__ == "__main__":`',
                    exit_code=EXIT_USAGE,
                )
        name = next(
            (
                local + framework.default_app.removeprefix(origin)
                for local, origin in reader.aliases.items()
                if framework.default_app == origin or framework.default_app.startswith(origin + ".")
            ),
            None,
        )
        evidence = _evidence(module, decorators[0])
        if name is None:
            raise DockwiseError(
                f"{evidence.where()}: the app is {framework.name.capitalize()}'s default app (module-level route "
                "decorators), which the module holds under no name a server can reach",
                f"import {top} in the module (the server then calls {framework.default_app}() through it), "
                "or pass --app",
                exit_code=EXIT_USAGE,
            )
        interface = framework.constructors.get(framework.default_app, "wsgi")
        found.append(Candidate(module.name, name, True, framework.name, interface, evidence))
    return found


def paste_candidates(
    root: Path, files: list[str], project: Project | None, deps: Dependencies, modules: list[Module]
) -> list[Candidate]:
    """The app factories PasteDeploy .ini files name, each checked to be a function of the app."""
    found = []
    for app in paste_apps(root, files, project, deps, modules):
        module = next((m for m in modules if m.name == app.module), None)
        if module is None or not any(
            isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == app.function for n in module.tree.body
        ):
            raise DockwiseError(
                f"{app.evidence.where()}: {app.config} names the app factory {app.module}:{app.function}, which is "
                "no function of the app",
                "fix the .ini's [app:main] or its entry point",
                exit_code=EXIT_USAGE,
            )
        kind = module_reader(module).local.get(app.function, ("wsgi", "wsgi"))
        found.append(Candidate(app.module, app.function, False, *kind, app.evidence, paste=app.config))
    return found


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def loopback_defaults(candidate: Candidate, modules: list[Module]) -> list[Evidence]:
    """The factory's parameters whose default is a loopback host (`redis_host="localhost"`): the server calls the
    factory with no arguments, so the app reaches for a service on the container's own loopback, where none runs."""
    module = next((m for m in modules if m.name == candidate.module), None)
    if not candidate.factory or module is None:
        return []
    function = next(
        (
            n
            for n in module.tree.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == candidate.attribute
        ),
        None,
    )
    if function is None:
        return []
    args = function.args
    positional = args.posonlyargs + args.args
    pairs = [
        *zip(positional[len(positional) - len(args.defaults) :], args.defaults),
        *zip(args.kwonlyargs, args.kw_defaults),
    ]
    return [
        Evidence(module.path, function.lineno, f"{arg.arg}={value!r}")
        for arg, default in pairs
        if isinstance(value := literal(default), str) and value in LOOPBACK_HOSTS
    ]


def _main_blocks(module: Module) -> list[ast.Module]:
    return [
        ast.Module(body=n.body, type_ignores=[]) for n in module.tree.body if isinstance(n, ast.If) and is_main_guard(n)
    ]


def main_only_apps(modules: list[Module]) -> list[Evidence]:
    """Apps built only under `if __name__ == "__main__":` (they exist when the file runs as a script, never when a
    server imports it)."""
    found = []
    for module in modules:
        reader = module_reader(module)
        for block in _main_blocks(module):
            found += [
                _evidence(module, node)
                for node in import_time_statements(block)
                if isinstance(node, ast.Assign) and reader.kind(node.value)
            ]
    return found


def main_block_candidates(modules: list[Module]) -> list[Candidate]:
    """WSGI apps a script builds under `if __name__ == "__main__":` and hands to a server dockwise_main.py knows
    (`serve(app, ...)`): served through dockwise_main:app(), which runs the script and takes the app over."""
    servers = {f"{module}.{function}" for module, function, _position, _keyword in MAIN_SERVERS}
    found = []
    for module in modules:
        reader = module_reader(module)
        for block in _main_blocks(module):
            statements = import_time_statements(block)
            built = [
                (node, kind)
                for node in statements
                if isinstance(node, ast.Assign) and (kind := reader.kind(node.value)) and kind[1] == "wsgi"
            ]
            serves = any(isinstance(n, ast.Call) and dotted(n.func, reader.aliases) in servers for n in ast.walk(block))
            if built and serves:
                node, kind = built[0]
                found.append(
                    Candidate(MAIN_MODULE, "app", True, *kind, _evidence(module, node), main_script=module.path)
                )
    return found


def find_candidates(modules: list[Module]) -> list[Candidate]:
    """Every candidate in the app, with a factory dropped when a module-level app is made by calling it
    (`app = create_app()` in wsgi.py is the app's own choice of entry point)."""
    candidates: list[Candidate] = []
    calls: list[tuple[Module, str, str]] = []
    for module in modules:
        found, factory_calls = module_candidates(module)
        candidates += found
        calls += [(module, name, origin) for name, origin in factory_calls.items()]
    factories = {f"{c.module}.{c.attribute}": c for c in candidates if c.factory}
    by_local_name = {c.attribute: c for c in candidates if c.factory}
    used: set[Candidate] = set()
    for module, name, origin in calls:
        factory = factories.get(origin) or by_local_name.get(origin)
        if factory is None and "." in origin:
            factory = (
                by_local_name.get(origin.rsplit(".", 1)[1])
                if origin.split(".")[0] not in ("flask", "fastapi")
                else None
            )
        if factory is not None:
            used.add(factory)
            line = next(
                (
                    n.lineno
                    for n in module.tree.body
                    if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
                ),
                None,
            )
            candidates.append(
                Candidate(
                    module.name,
                    name,
                    False,
                    factory.framework,
                    factory.interface,
                    Evidence(module.path, line, f"{name} = {origin.rsplit('.', 1)[-1]}()"),
                )
            )
    return [c for c in candidates if c not in used]


@dataclass(frozen=True)
class PortHint:
    port: int
    evidence: Evidence
    reads_env: str | None = None  # the app reads its port from this environment variable


def int_value(node: ast.AST | None, aliases) -> tuple[int | None, str | None]:
    """A port literal, or the default of `os.environ.get("PORT", 5000)` / `int(os.getenv("PORT", "8080"))`."""
    value = literal(node)
    if isinstance(value, (int, str)):
        return port_number(value), None
    if isinstance(node, ast.Call):
        name = dotted(node.func, aliases) or ""
        if name == "int" and node.args:
            return int_value(node.args[0], aliases)
        if name in ("os.environ.get", "os.getenv") and len(node.args) == 2:
            port, _ = int_value(node.args[1], aliases)
            variable = literal(node.args[0])
            return port, variable if isinstance(variable, str) else None
    return None, None


def port_hints(module: Module) -> list[PortHint]:
    """Ports in `app.run(port=...)`, `uvicorn.run(..., port=...)` and friends."""
    aliases = import_aliases(module.tree)
    hints = []
    for node in ast.walk(module.tree):
        if not (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("run", "run_app")
        ):
            continue
        argument = keyword(node, "port")
        if argument is None and (dotted(node.func, aliases) or "").split(".")[0] not in ("uvicorn", "hypercorn"):
            argument = node.args[1] if len(node.args) >= 2 else None  # Flask: run(host, port)
        port, variable = int_value(argument, aliases)
        if port:
            hints.append(
                PortHint(
                    port, Evidence(module.path, node.lineno, ast.get_source_segment(module.text, node) or ""), variable
                )
            )
    return hints
