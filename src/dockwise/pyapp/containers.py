"""Apps built by a dependency-injection container: a `DeclarativeContainer` class whose provider attribute
(`Factory`, `Singleton`, ...) builds the app. Calling the provider builds it, so the server serves it in factory
mode through the container the module holds (`example:container.app()`), or through the class itself.

Good (served as `example:container.app()`)::

    from dependency_injector.containers import DeclarativeContainer
    from dependency_injector.providers import Factory
    from starlette.applications import Starlette

    class Container(DeclarativeContainer):
        app = Factory(Starlette, debug=False)

    container = Container()

Bad (refused: no web app found)::

    from dependency_injector.containers import DeclarativeContainer
    from dependency_injector.providers import Factory

    class Container(DeclarativeContainer):
        clock = Factory(dict)

    container = Container()
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.pyast import dotted, module_assignments
from dockwise.pyapp.scan import Module

CONTAINER_BASES = frozenset(
    {"dependency_injector.containers.DeclarativeContainer", "dependency_injector.containers.Container"}
)
# Providers that build their first argument when called.
BUILDING_PROVIDERS = frozenset(
    f"dependency_injector.providers.{name}"
    for name in ("Factory", "Singleton", "ThreadSafeSingleton", "ThreadLocalSingleton", "Callable", "Resource")
)

Kind = tuple[str, str]


def _provided_kind(value: ast.AST, aliases: dict[str, str], kind_of: Callable[[ast.AST], Kind | None]) -> Kind | None:
    """The app a provider builds: `Factory(Starlette, ...)` is what `Starlette(...)` is."""
    if not (isinstance(value, ast.Call) and dotted(value.func, aliases) in BUILDING_PROVIDERS and value.args):
        return None
    return kind_of(ast.Call(func=value.args[0], args=[], keywords=[]))


def container_apps(
    module: Module, aliases: dict[str, str], kind_of: Callable[[ast.AST], Kind | None]
) -> list[tuple[str, Kind, Evidence]]:
    """(dotted attribute to call, (framework, interface), evidence) for each provider of a container class that
    builds an app, reached through the module's instance of the container when it has one."""
    found = []
    instances = {
        dotted(value.func, aliases): name
        for name, value, _line in module_assignments(module.tree)
        if isinstance(value, ast.Call) and not value.args and not value.keywords
    }
    for node in module.tree.body:
        if not (isinstance(node, ast.ClassDef) and any(dotted(b, aliases) in CONTAINER_BASES for b in node.bases)):
            continue
        holder = instances.get(node.name, node.name)
        for name, value, line in module_assignments(ast.Module(body=node.body, type_ignores=[])):
            kind = _provided_kind(value, aliases, kind_of)
            if kind:
                text = ast.get_source_segment(module.text, value) or ""
                found.append((f"{holder}.{name}", kind, Evidence(module.path, line, f"{name} = {text}")))
    return found
