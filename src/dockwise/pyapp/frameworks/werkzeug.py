"""Werkzeug: no app class of its own. The app is a function decorated with `@Request.application`, or an instance
of a class of the app's that speaks WSGI (`__call__(self, environ, start_response)` or a `wsgi_app` method with
those parameters, found by `entry.py` for any WSGI class), module-level or returned by a zero-argument factory.

Good (served as `shortly:create_app()`)::

    from werkzeug.wrappers import Request, Response

    class Shortly:
        def wsgi_app(self, environ, start_response):
            return Response("hi")(environ, start_response)

        def __call__(self, environ, start_response):
            return self.wsgi_app(environ, start_response)

    def create_app(with_static=True):
        return Shortly()

Good (served as `app:application`)::

    from werkzeug.wrappers import Request, Response

    @Request.application
    def application(request):
        return Response("hi")

Bad (refused: no web app found)::

    from werkzeug.wrappers import Response

    def page(request):
        return Response("hi")
"""

from dockwise.pyapp.frameworks import Framework, constructors

FRAMEWORK = Framework(
    name="werkzeug",
    distribution="werkzeug",
    constructors=constructors({}),
    app_decorators=constructors(
        {
            "werkzeug.wrappers.Request.application": "wsgi",
            "werkzeug.wrappers.request.Request.application": "wsgi",
            "werkzeug.Request.application": "wsgi",
        }
    ),
    imports=("werkzeug.wrappers", "werkzeug.routing", "werkzeug.exceptions"),
)
