"""The path the health check asks: the app's own health route, else its front page when the app serves one, else a
page the app is known to answer. A health check that asks a path the app answers 404 marks a working container
unhealthy (and a Kubernetes readiness probe never passes), so `/` is only kept blindly when nothing better is known.

Bad (an API whose routes are all under /customers: GET / answers 404, the container is never healthy):

    app = FastAPI(docs_url=None)
    @app.get("/customers")

Good (that route is asked instead):

    GET /customers

Bad (a Quart API with only POST routes):

    app = Quart(__name__)
    QuartSchema(app)
    @app.post("/echo")

Good (the docs page the extension adds is asked: a template, cheap, where /openapi.json builds the schema each time):

    GET /docs
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from dockwise.pyapp.entry import Candidate
from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.grammar import is_url_path
from dockwise.pyapp.pyast import keyword, literal
from dockwise.pyapp.scan import Module

FRONT_PAGE = "/"
# The app's own health routes, most specific first.
_HEALTH_NAMES = ("healthz", "health", "_health", "healthcheck", "health-check", "livez", "readyz", "ping", "status")
_HEALTH_ROUTE = re.compile(rf"^/?({'|'.join(re.escape(n) for n in _HEALTH_NAMES)})/?$")
# Django's URLconf: `path("healthz/", view)`, `re_path(r"^healthz/$", view)`, relative to the site root.
_DJANGO_CALLS = frozenset({"path", "re_path"})
_ROUTE_CALLS = frozenset({"route", "get", "api_route", "add_url_rule", "add_api_route"})
# Every method's decorator: an app that declares only these still routes paths other than `/`.
_ANY_METHOD = _ROUTE_CALLS | {"post", "put", "patch", "delete", "head", "options", "websocket", "add_route"}
_PREFIX_KEYWORDS = ("prefix", "url_prefix")
_INCLUDE_CALLS = frozenset({"include_router", "register_blueprint", "mount", "include"})
# Pages a framework serves by itself unless the constructor turns them off (that keyword then names it).
_BUILTIN_PAGES = {"fastapi": ("/docs", "docs_url")}
# Pages an extension adds to the app it is given, at a path its keyword moves (or None turns off).
_EXTENSION_PAGES = {"QuartSchema": ("/docs", "swagger_ui_path")}


@dataclass(frozen=True)
class Route:
    path: str
    receiver: str  # the router or app object the route is declared on
    evidence: Evidence
    gets: bool = True  # False: a route of any method (it shows the app routes something)


@dataclass(frozen=True)
class HealthChoice:
    path: str
    why: str
    source: Evidence | None
    certain: bool  # False: the app routes other paths and none is known to answer; `/` was kept blindly


def _gets(call: ast.Call, name: str) -> bool:
    if name == "get":
        return True
    methods = literal(keyword(call, "methods"))
    return methods is None or (isinstance(methods, (list, tuple)) and "GET" in methods)


def _route_call(node: ast.AST) -> tuple[str, str] | None:
    """(call name, receiver) of `obj.get(...)`, or of a bare `get(...)`/`route(...)` decorator (Litestar, Bottle's
    default app), whose receiver is ''."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.attr, func.value.id
    if isinstance(func, ast.Name) and func.id in ("get", "route", *_DJANGO_CALLS):
        return func.id, ""
    return None


def _get_resources(modules: list[Module]) -> frozenset[str]:
    """Classes with an `on_get` responder: Falcon resources that answer GET."""
    return frozenset(
        node.name
        for module in modules
        for node in ast.walk(module.tree)
        if isinstance(node, ast.ClassDef)
        and any(isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.name == "on_get" for f in node.body)
    )


def _resource_class(node: ast.expr, module: Module) -> str | None:
    """The class of `add_route(path, Resource(...))`, or of a module-level `resource = Resource(...)` passed there."""
    if isinstance(node, ast.Name):
        node = next(
            (
                a.value
                for a in module.tree.body
                if isinstance(a, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in a.targets)
            ),
            node,
        )
    if isinstance(node, ast.Call):
        func = node.func
        return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return None


def declared_routes(module: Module, get_resources: frozenset[str] = frozenset()) -> list[Route]:
    """Routes declared on a named router or app object (`@app.get("/x")`, `bp.route("/x")`, `@get("/x")`,
    Falcon's `app.add_route("/x", Resource())` when the resource has `on_get`): each GET route, and each route of
    any method again with `gets=False`."""
    found = []
    for node in ast.walk(module.tree):
        call = _route_call(node)
        if call is None:
            continue
        assert isinstance(node, ast.Call)  # _route_call saw a call
        (name, receiver), path = call, literal(node.args[0])
        if name in _DJANGO_CALLS and not receiver and isinstance(path, str):
            path = "/" + path.lstrip("^").rstrip("$").lstrip("/")
        if name in _ANY_METHOD and isinstance(path, str) and path.startswith("/"):
            found.append(Route(path, receiver, Evidence(module.path, node.lineno, ""), gets=False))
        falcon_get = (
            name == "add_route" and len(node.args) > 1 and _resource_class(node.args[1], module) in get_resources
        )
        if (
            ((name in _ROUTE_CALLS and _gets(node, name)) or falcon_get or (name in _DJANGO_CALLS and not receiver))
            and isinstance(path, str)
            and path.startswith("/")
        ):
            found.append(
                Route(
                    path, receiver, Evidence(module.path, node.lineno, ast.get_source_segment(module.text, node) or "")
                )
            )
    return found


def _prefixed(call: ast.Call) -> bool:
    return any(literal(keyword(call, k)) not in (None, "", "/") for k in _PREFIX_KEYWORDS) or any(
        k.arg is None for k in call.keywords
    )


def prefixed_names(modules: list[Module]) -> frozenset[str]:
    """Names of routers that get a URL prefix where they are made (`APIRouter(prefix="/api")`) or included
    (`app.include_router(r, prefix=...)`): their declared paths are not the served ones."""
    names: set[str] = set()
    for module in modules:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _prefixed(node.value):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _INCLUDE_CALLS
                and node.args
                and (_prefixed(node) or node.func.attr in ("mount", "include"))
            ):
                target = node.args[-1] if node.func.attr == "mount" else node.args[0]
                if isinstance(target, ast.Name):
                    names.add(target.id)
                elif isinstance(target, ast.Attribute):
                    names.add(target.attr)
    return frozenset(names)


def _builtin_page(candidate: Candidate | None) -> tuple[str, Evidence] | None:
    if candidate is None or candidate.framework not in _BUILTIN_PAGES or candidate.factory:
        return None
    page, off_switch = _BUILTIN_PAGES[candidate.framework]
    if off_switch in candidate.evidence.excerpt:
        return None
    return page, candidate.evidence


def _extension_page(modules: list[Module]) -> tuple[str, Evidence] | None:
    for module in modules:
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in _EXTENSION_PAGES:
                continue
            page, moved_by = _EXTENSION_PAGES[name]
            given = keyword(node, moved_by)
            path = page if given is None else literal(given)
            if isinstance(path, str) and is_url_path(path):
                return path, Evidence(module.path, node.lineno, ast.get_source_segment(module.text, node) or name)
    return None


def health_route(routes: list[Route]) -> Route | None:
    """The app's own health-check route without path parameters, the most specific name first."""
    own = [r for r in routes if r.gets and _HEALTH_ROUTE.match(r.path) and is_url_path(r.path)]
    own.sort(key=lambda r: _HEALTH_NAMES.index(_HEALTH_ROUTE.match(r.path).group(1)))  # type: ignore[union-attr]  # matched above
    return own[0] if own else None


def choose_health(modules: list[Module], candidate: Candidate | None, django: bool) -> HealthChoice:
    """`django`: the app's URLs come from Django's URLconf, whose includes dockwise does not resolve: `/` is kept."""
    resources = _get_resources(modules)
    declared = [r for m in modules for r in declared_routes(m, resources)]
    own = health_route(declared)
    if own:
        return HealthChoice(own.path, str(own.evidence), own.evidence, True)
    if django:  # a URLconf's path('') may sit under an include's prefix: `/` is kept, not claimed from it
        return HealthChoice(FRONT_PAGE, "no health route in the app: its front page", None, True)
    routes = [r for r in declared if r.gets]
    front = next((r for r in routes if r.path == FRONT_PAGE), None)
    if front is not None:
        return HealthChoice(
            FRONT_PAGE, f"no health route in the app: its front page ({front.evidence})", front.evidence, True
        )
    if not declared:
        return HealthChoice(FRONT_PAGE, "no health route in the app: its front page", None, True)
    builtin = _builtin_page(candidate)
    if builtin is not None:
        return HealthChoice(
            builtin[0],
            f"no health route and no route at /: the page {candidate.framework if candidate else ''} serves itself "
            f"({builtin[1]})",
            builtin[1],
            True,
        )
    extension = _extension_page(modules)
    if extension is not None:
        return HealthChoice(
            extension[0],
            f"no health route and no route at /: the page an extension adds ({extension[1]})",
            extension[1],
            True,
        )
    prefixed = prefixed_names(modules)
    plain = [
        r for r in routes if r.receiver not in prefixed and is_url_path(r.path) and not any(c in r.path for c in "{<:*")
    ]
    if plain:
        return HealthChoice(
            plain[0].path,
            f"no health route and no route at /: a GET route without parameters ({plain[0].evidence})",
            plain[0].evidence,
            True,
        )
    return HealthChoice(FRONT_PAGE, "no health route, and / is not among the app's routes", None, False)
