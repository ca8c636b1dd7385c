"""Bottle: `Bottle()`, `default_app()`, or the module-level style, served over WSGI.

In the module-level style (`@route(...)` with no app variable) the app is `bottle.default_app()` once the module is
imported: the server imports the app's module and calls the default app through a name that module holds
(`import bottle` -> `app:bottle.default_app()`). A module that calls `run(...)` at import time starts Bottle's
development server inside whatever imports it, so init refuses it and names the line.

Good (served as `app:app`)::

    from bottle import Bottle

    app = Bottle()

    @app.route("/")
    def index():
        return "hi"

Good (served as `app:bottle.default_app()`)::

    import bottle

    @bottle.route("/")
    def index():
        return "hi"

    if __name__ == "__main__":
        bottle.run(host="0.0.0.0", port=8080)

Bad (refused: starts Bottle's development server when the module is imported)::

    from bottle import route, run

    @route("/")
    def index():
        return "hi"

    run(host="localhost", port=8080)
"""

from dockwise.pyapp.frameworks import Framework, constructors

FRAMEWORK = Framework(
    name="bottle",
    distribution="bottle",
    constructors=constructors({"bottle.Bottle": "wsgi", "bottle.default_app": "wsgi"}),
    imports=("bottle",),
    default_app="bottle.default_app",
    import_time_servers=("bottle.run",),
)
