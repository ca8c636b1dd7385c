"""Bottle: `Bottle()` or the module-level `default_app()`, served over WSGI."""

from dockwise.pyapp.frameworks import Framework, constructors

FRAMEWORK = Framework(
    name="bottle",
    distribution="bottle",
    constructors=constructors({"bottle.Bottle": "wsgi", "bottle.default_app": "wsgi"}),
    imports=("bottle",),
)
