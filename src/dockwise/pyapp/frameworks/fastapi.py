"""FastAPI: `FastAPI()`, served over ASGI."""

from dockwise.pyapp.frameworks import Framework, constructors

FRAMEWORK = Framework(
    name="fastapi",
    distribution="fastapi",
    constructors=constructors({"fastapi.FastAPI": "asgi", "fastapi.applications.FastAPI": "asgi"}),
    imports=("fastapi", "fastapi.routing", "starlette.routing", "pydantic", "anyio._backends._asyncio"),
)
