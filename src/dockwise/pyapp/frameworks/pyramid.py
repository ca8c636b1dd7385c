"""Pyramid: the app is what a Configurator's `make_wsgi_app()` returns, served over WSGI.

Found at module level (`app = config.make_wsgi_app()`), in a zero-argument factory that returns it, or behind
`main(global_config, **settings)` named by a PasteDeploy `.ini` (`pyapp/paste.py`: served by gunicorn's `--paste`,
which loads the app through PasteDeploy with the .ini's settings). An app a script builds only under
`if __name__ == "__main__":` and hands to waitress, wsgiref or werkzeug is served through `dockwise_main.py`
(`pyapp/shims/`), which runs the script and takes the app where the server would have; one handed to any other
server is refused, naming the line.

Good (served as `app:app`)::

    from pyramid.config import Configurator
    from pyramid.response import Response

    def hello(request):
        return Response("hi")

    with Configurator() as config:
        config.add_route("hello", "/")
        config.add_view(hello, route_name="hello")
        app = config.make_wsgi_app()

Good (served as `dockwise_main:app()`)::

    from pyramid.config import Configurator
    from waitress import serve

    if __name__ == "__main__":
        with Configurator() as config:
            app = config.make_wsgi_app()
        serve(app, host="0.0.0.0", port=6543)

Bad (refused: only under `if __name__ == "__main__":`)::

    import bjoern
    from pyramid.config import Configurator

    if __name__ == "__main__":
        with Configurator() as config:
            app = config.make_wsgi_app()
        bjoern.run(app, "0.0.0.0", 6543)
"""

from dockwise.pyapp.frameworks import Framework, constructors

FRAMEWORK = Framework(
    name="pyramid",
    distribution="pyramid",
    constructors=constructors({}),
    app_methods=constructors({"make_wsgi_app": "wsgi"}),
    imports=("pyramid.router", "pyramid.config", "pyramid.response", "webob", "paste.deploy"),
)
