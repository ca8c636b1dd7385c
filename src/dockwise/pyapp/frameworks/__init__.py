"""Framework providers: one module per web framework, each declaring how its app is recognised in the code
(the calls that build it), which interface serves it, which distribution provides it and what it loads at start.

`entry.py` finds candidates from these declarations; `detect.py` and the renderers read the rest. Adding a
framework is adding a module here and naming it in `_MODULES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from types import MappingProxyType
from typing import Literal

Interface = Literal["wsgi", "asgi"]


@dataclass(frozen=True)
class Framework:
    name: str
    distribution: str  # the PyPI distribution that provides it (inferring dependencies from imports)
    constructors: MappingProxyType[str, Interface]  # dotted callable that builds an app -> the interface it serves
    imports: tuple[str, ...] = ()  # modules loaded at start: the distroless image compiles their stdlib imports
    import_names: tuple[str, ...] = field(default=())  # top-level import names (default: the distribution's)
    # Method names whose call returns the app, on whatever object the framework has the code build
    # (Pyramid: `config.make_wsgi_app()`).
    app_methods: MappingProxyType[str, Interface] = field(default_factory=lambda: constructors({}))
    # Decorators that make a module-level function the app itself (Werkzeug: `@Request.application`).
    app_decorators: MappingProxyType[str, Interface] = field(default_factory=lambda: constructors({}))
    # The dotted callable returning the app that module-level route decorators fill (Bottle's `default_app`), and
    # the module-level calls that start a development server when the module is imported (`bottle.run(...)`).
    default_app: str | None = None
    import_time_servers: tuple[str, ...] = ()
    # Release series ("3.2") -> the newest Python it supports, where the project publishes that (old releases
    # install on a newer Python from their pure wheel, then fail at import: Django 3.2 imports `cgi`, gone in 3.13).
    newest_python: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def top_level(self) -> tuple[str, ...]:
        return self.import_names or (self.distribution.replace("-", "_").lower(),)


def constructors(pairs: dict[str, Interface]) -> MappingProxyType[str, Interface]:
    """`constructors({"flask.Flask": "wsgi"})`, read-only."""
    return MappingProxyType(pairs)


_MODULES = (
    "flask",
    "quart",
    "fastapi",
    "starlette",
    "litestar",
    "falcon",
    "bottle",
    "django",
    "pyramid",
    "werkzeug",
)


@cache
def registry() -> tuple[Framework, ...]:
    """Every framework provider, in a stable order."""
    return tuple(import_module(f"{__name__}.{name}").FRAMEWORK for name in _MODULES)


def by_name(name: str) -> Framework | None:
    return next((f for f in registry() if f.name == name), None)


@cache
def app_constructors() -> MappingProxyType[str, tuple[str, Interface]]:
    """Dotted callable -> (framework, interface), over every provider."""
    return MappingProxyType(
        {call: (f.name, interface) for f in registry() for call, interface in f.constructors.items()}
    )


@cache
def app_methods() -> MappingProxyType[str, tuple[str, Interface]]:
    """Method name -> (framework, interface): `x.make_wsgi_app()` returns a Pyramid WSGI app."""
    return MappingProxyType(
        {method: (f.name, interface) for f in registry() for method, interface in f.app_methods.items()}
    )


@cache
def app_decorators() -> MappingProxyType[str, tuple[str, Interface]]:
    """Dotted decorator -> (framework, interface), over every provider."""
    return MappingProxyType(
        {call: (f.name, interface) for f in registry() for call, interface in f.app_decorators.items()}
    )
