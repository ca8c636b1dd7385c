"""Quart: `Quart(__name__)`, Flask's API over ASGI."""

from dockwise.pyapp.frameworks import Framework, constructors

FRAMEWORK = Framework(
    name="quart",
    distribution="quart",
    constructors=constructors({"quart.Quart": "asgi", "quart.app.Quart": "asgi"}),
    imports=("quart",),
)
