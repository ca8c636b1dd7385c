"""Flask: `Flask(__name__)`, served over WSGI."""

from dockwise.pyapp.frameworks import Framework, constructors

FRAMEWORK = Framework(
    name="flask",
    distribution="flask",
    constructors=constructors({"flask.Flask": "wsgi", "flask.app.Flask": "wsgi"}),
    imports=("flask", "flask.json", "jinja2", "werkzeug.routing", "werkzeug.wrappers"),
)
