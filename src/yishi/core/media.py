"""The public stored files (a matter's blank forms and samples, a hall's photos), read from the
default storage, so they are served the same from local files and from an object store."""

from __future__ import annotations

import contextlib
import mimetypes

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from yishi.core.storage import is_public

_MAX_AGE = 3600


@require_safe
def public_media(request: HttpRequest, path: str) -> FileResponse:
    """Stream one public file; anything outside the public prefixes is "not found"."""
    if not is_public(path) or not default_storage.exists(path):
        raise Http404("文件不存在")
    content_type, encoding = mimetypes.guess_type(path)
    response = FileResponse(
        default_storage.open(path, "rb"),
        content_type=content_type or "application/octet-stream",
    )
    if encoding:
        response.headers["Content-Encoding"] = encoding
    # A storage without modification times gets no Last-Modified header.
    with contextlib.suppress(NotImplementedError, OSError):
        modified = default_storage.get_modified_time(path)
        response.headers["Last-Modified"] = http_date(modified.timestamp())
    response.headers["Cache-Control"] = f"public, max-age={_MAX_AGE}"
    return response
