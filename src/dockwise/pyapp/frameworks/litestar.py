"""Litestar: `Litestar(route_handlers=[...])`, served over ASGI."""

from dockwise.pyapp.frameworks import Framework, constructors

FRAMEWORK = Framework(
    name="litestar",
    distribution="litestar",
    constructors=constructors({"litestar.Litestar": "asgi", "litestar.app.Litestar": "asgi"}),
    imports=("litestar",),
)
