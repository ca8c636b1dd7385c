"""Pyramid: the app is what a Configurator's `make_wsgi_app()` returns, served over WSGI.

Found at module level (`app = config.make_wsgi_app()`), in a zero-argument factory that returns it, or behind
`main(global_config, **settings)` named by a PasteDeploy `.ini` (`pyapp/paste.py`: served by gunicorn's `--paste`,
which loads the app through PasteDeploy with the .ini's settings). An app built only under
`if __name__ == "__main__":` exists only when the file runs as a script: no server can import it, so init refuses
it and names the block.

Good (served as `app:app`)::

    from pyramid.config import Configurator
    from pyramid.response import Response

    def hello(request):
        return Response("hi")

    with Configurator() as config:
        config.add_route("hello", "/")
        config.add_view(hello, route_name="hello")
        app = config.make_wsgi_app()

Bad (refused: only under `if __name__ == "__main__":`)::

    from pyramid.config import Configurator
    from waitress import serve

    if __name__ == "__main__":
        with Configurator() as config:
            app = config.make_wsgi_app()
        serve(app, host="0.0.0.0", port=6543)
"""

from dockwise.pyapp.frameworks import Framework, constructors

FRAMEWORK = Framework(
    name="pyramid",
    distribution="pyramid",
    constructors=constructors({}),
    app_methods=constructors({"make_wsgi_app": "wsgi"}),
    imports=("pyramid.router", "pyramid.config", "pyramid.response", "webob", "paste.deploy"),
)
