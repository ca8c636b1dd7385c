"""Django: the project's `get_wsgi_application()` / `get_asgi_application()` (found through manage.py's settings
by `pyapp/django.py`)."""

from types import MappingProxyType

from dockwise.pyapp.frameworks import Framework, constructors

FRAMEWORK = Framework(
    name="django",
    distribution="django",
    constructors=constructors(
        {"django.core.wsgi.get_wsgi_application": "wsgi", "django.core.asgi.get_asgi_application": "asgi"}
    ),
    # docs.djangoproject.com/en/stable/faq/install/#what-python-version-can-i-use-with-django
    newest_python=MappingProxyType(
        {
            "2.2": "3.9",
            "3.0": "3.9",
            "3.1": "3.9",
            "3.2": "3.10",
            "4.0": "3.10",
            "4.1": "3.11",
            "4.2": "3.12",
            "5.0": "3.12",
            "5.1": "3.13",
            "5.2": "3.14",
        }
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
