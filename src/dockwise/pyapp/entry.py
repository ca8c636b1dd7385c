"""Which callable serves the app, found by reading the code (never importing it): WSGI/ASGI app instances,
`create_app()` factories, plain WSGI/ASGI callables, and the port and health route the code names."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.frameworks import app_constructors
from dockwise.pyapp.grammar import is_url_path, port_number
from dockwise.pyapp.pyast import dotted, import_aliases, keyword, literal
from dockwise.pyapp.scan import Module

HEALTH_ROUTE = re.compile(r"^/?(healthz|health|_health|healthcheck|health-check|livez|readyz|ping|status)/?$")


@dataclass(frozen=True)
class Candidate:
    """A servable callable: `module:attribute`, called first when it is a factory."""

    module: str
    attribute: str
    factory: bool
    framework: str
    interface: str  # wsgi | asgi | aiohttp | self (pyapp/frameworks)
    evidence: Evidence
    awaitable: bool = False  # an `async def` factory: the server awaits it (aiohttp's gunicorn worker)

    @property
    def target(self) -> str:
        return f"{self.module}:{self.attribute}" + ("()" if self.factory else "")

    def describe(self) -> str:
        kind = (
            f"{self.framework} {'factory' if self.factory else 'app'}"
            if self.framework not in ("wsgi", "asgi")
            else f"{self.interface.upper()} callable"
        )
        return f"{self.target} ({kind}, {self.evidence.where()})"


def _constructor(node: ast.AST, aliases: dict[str, str]) -> tuple[str, str] | None:
    if isinstance(node, ast.Call):
        return app_constructors().get(dotted(node.func, aliases) or "")
    return None


def _all_defaulted(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    args = function.args
    positional = args.posonlyargs + args.args
    required = len(positional) - len(args.defaults)
    return required <= 0 and all(d is not None for d in args.kw_defaults)


def _factory_kind(function: ast.FunctionDef | ast.AsyncFunctionDef, aliases) -> tuple[str, str] | None:
    if not any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(function)):
        return None
    for node in ast.walk(function):
        kind = _constructor(node, aliases)
        if kind:
            return kind
    return None


def _param_names(function) -> list[str]:
    return [a.arg for a in function.args.posonlyargs + function.args.args]


def module_candidates(module: Module) -> tuple[list[Candidate], dict[str, str]]:
    """Candidates in one module, and the factory calls its module-level apps are made with (name -> origin)."""
    aliases = import_aliases(module.tree)
    found: list[Candidate] = []
    factory_calls: dict[str, str] = {}
    for node in module.tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            kind = _constructor(node.value, aliases)
            if names and kind:
                found.append(
                    Candidate(
                        module.name,
                        names[0],
                        False,
                        *kind,
                        Evidence(module.path, node.lineno, ast.get_source_segment(module.text, node) or ""),
                    )
                )
            elif names and isinstance(node.value, ast.Call):
                origin = dotted(node.value.func, aliases)
                if origin:
                    factory_calls[names[0]] = origin
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            kind = _factory_kind(node, aliases)
            evidence = Evidence(module.path, node.lineno, f"def {node.name}(...)")
            if kind and _all_defaulted(node):
                awaitable = isinstance(node, ast.AsyncFunctionDef)
                found.append(Candidate(module.name, node.name, True, *kind, evidence, awaitable))
            elif _param_names(node) == ["environ", "start_response"] and isinstance(node, ast.FunctionDef):
                found.append(Candidate(module.name, node.name, False, "wsgi", "wsgi", evidence))
            elif _param_names(node) == ["scope", "receive", "send"] and isinstance(node, ast.AsyncFunctionDef):
                found.append(Candidate(module.name, node.name, False, "asgi", "asgi", evidence))
    return found, factory_calls


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
        factory = factories.get(origin) or (by_local_name.get(origin) if "." not in origin else None)
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


def route_paths(module: Module) -> list[tuple[str, Evidence]]:
    """URL paths the module routes: @x.route/get/..., add_url_rule, add_api_route, Django path()/re_path()."""
    found = []
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Call):
            continue
        name = (
            node.func.attr
            if isinstance(node.func, ast.Attribute)
            else node.func.id
            if isinstance(node.func, ast.Name)
            else ""
        )
        if (
            name in ("route", "get", "head", "add_url_rule", "add_api_route", "api_route", "path", "re_path")
            and node.args
        ):
            value = literal(node.args[0])
            if isinstance(value, str) and (value.startswith("/") or name in ("path", "re_path")):
                path = "/" + value.lstrip("^").rstrip("$").lstrip("/") if name in ("path", "re_path") else value
                found.append(
                    (path, Evidence(module.path, node.lineno, ast.get_source_segment(module.text, node) or ""))
                )
    return found


def health_route(modules: list[Module]) -> tuple[str, Evidence] | None:
    """The app's own health-check route, if it has one without path parameters."""
    routes = [
        (path, evidence)
        for module in modules
        for path, evidence in route_paths(module)
        if HEALTH_ROUTE.match(path) and is_url_path(path)
    ]
    order = ["healthz", "health", "_health", "healthcheck", "health-check", "livez", "readyz", "ping", "status"]
    routes.sort(key=lambda r: order.index(HEALTH_ROUTE.match(r[0]).group(1)))  # type: ignore[union-attr]  # matched above
    return routes[0] if routes else None
