import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yishi.settings")
application = get_wsgi_application()


def _import_every_view() -> None:
    """Load the URL configuration, and with it every view module, now: under a pre-forking
    server (`gunicorn --preload`) the workers share this code instead of each importing it
    during its first requests. No database connection is carried over a fork."""
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - evaluated for the imports
    connections.close_all()


_import_every_view()
