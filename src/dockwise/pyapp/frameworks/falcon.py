"""Falcon: `falcon.App()` (WSGI), `falcon.asgi.App()` (ASGI); `falcon.API` is Falcon 2's name for the first."""

from dockwise.pyapp.frameworks import Framework, constructors

FRAMEWORK = Framework(
    name="falcon",
    distribution="falcon",
    constructors=constructors({"falcon.App": "wsgi", "falcon.API": "wsgi", "falcon.asgi.App": "asgi"}),
    imports=("falcon",),
)
