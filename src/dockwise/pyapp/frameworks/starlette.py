"""Starlette: `Starlette(routes=...)`, served over ASGI."""

from dockwise.pyapp.frameworks import Framework, constructors

FRAMEWORK = Framework(
    name="starlette",
    distribution="starlette",
    constructors=constructors({"starlette.applications.Starlette": "asgi"}),
    imports=("starlette.applications", "starlette.routing", "anyio._backends._asyncio"),
)
