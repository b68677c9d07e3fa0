"""The ASGI application `make run` serves with one uvicorn process: HTTP through Django, and
websockets (帮办 chat) through channels, signed in by the same session cookie and refused
from an origin outside ALLOWED_HOSTS.

One process serves every request, so real-time features push through the in-memory channel
layer without a message broker on one machine (Redis with YISHI_CHANNEL_REDIS_URL)."""

import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yishi.settings")

# whitenoise answers static files with a file iterator that Django reads in a worker thread
# under ASGI; Django warns about it once per process. The files are small and served right.
warnings.filterwarnings(
    "ignore",
    message="StreamingHttpResponse must consume synchronous iterators",
    category=Warning,
)

# Django first: the apps must be loaded before the consumers' modules import models.
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from yishi.assist.routing import websocket_urlpatterns as assist_ws  # noqa: E402
from yishi.remote.routing import websocket_urlpatterns as remote_ws  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(assist_ws + remote_ws))
        ),
    }
)
