"""Django: the project's `get_wsgi_application()` / `get_asgi_application()` (found through manage.py's settings
by `pyapp/django.py`)."""

from dockwise.pyapp.frameworks import Framework, constructors

FRAMEWORK = Framework(
    name="django",
    distribution="django",
    constructors=constructors(
        {"django.core.wsgi.get_wsgi_application": "wsgi", "django.core.asgi.get_asgi_application": "asgi"}
    ),
    imports=(
        "django.core.handlers.wsgi",
        "django.core.handlers.asgi",
        "django.urls",
        "django.template",
        "django.db.backends.sqlite3.base",
        "django.contrib.sessions.backends.db",
    ),
)
