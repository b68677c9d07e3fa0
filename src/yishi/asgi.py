"""The ASGI application `make run` serves with one uvicorn process.

One process serves every request, so later real-time features (the hall's calling screen,
chat) can push without a message broker on one machine."""

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

application = get_asgi_application()
