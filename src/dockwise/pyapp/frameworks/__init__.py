"""Framework providers: one module per web framework, each declaring how its app is recognised in the code
(the calls that build it), which interface serves it, which distribution provides it and what it loads at start.

`entry.py` finds candidates from these declarations; the stages of `pyapp/stages/` and the renderers read the rest. Adding a
framework is adding a module here and naming it in `_MODULES`.

Interfaces: "wsgi" and "asgi" apps are served by a WSGI/ASGI server; "aiohttp" apps by gunicorn with the framework's
own worker class (`Framework.gunicorn_worker`); a "self" app (Tornado) has no such form and is served by the
script that starts it (`Framework.own_server`, read by `pyapp/selfserve.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from types import MappingProxyType
from typing import Literal

Interface = Literal["wsgi", "asgi", "aiohttp", "self"]


@dataclass(frozen=True)
class OwnServer:
    """How a script starts the framework's own production server, and where that server listens when the call does
    not say: `calls` are dotted functions (`aiohttp.web.run_app`), `methods` are methods of the app or server
    object (`listen`), counted only in modules that import the framework. An argument is found by keyword or, when
    `*_position` is set, by position (0 = the first argument after the app, for a function; the first one, for a
    method)."""

    calls: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    host_keyword: str = "host"
    host_position: int | None = None
    port_keyword: str = "port"
    port_position: int | None = None
    default_host: str = "0.0.0.0"  # "" means every interface too (Tornado's `address=""`)
    default_port: int | None = None
    stops_on_sigterm: bool = True  # False: as PID 1 it ignores SIGTERM (no handler), so dockwise's runner adds one
    on_stop: str = "it drains requests in flight on SIGTERM"  # for init's warning: what happens to them at stop
    # The framework's command-line options a script may read its port from: `define("port", default=8888)`,
    # `parse_command_line()`, then `options.port`; dockwise passes `--port=N`.
    option_define: str | None = None
    option_parse: tuple[str, ...] = ()
    option_values: str | None = None


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
    gunicorn_worker: str | None = None  # the worker class gunicorn serves its "aiohttp"-interface apps with
    own_server: OwnServer | None = None  # how a script serves its apps itself (the self-serving fallback)

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
    "aiohttp",
    "sanic",
    "tornado",
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
