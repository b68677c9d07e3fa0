"""The S3 storage class YISHI_STORAGE_URL selects (see yishi.core.storage)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    """django-storages' S3Storage whose URLs are our own /media/ route, never the bucket's:
    no presigned link to a personal file can leak into a page, a log or a browser history."""

    def url(
        self, name: str, parameters: Any = None, expire: Any = None, http_method: Any = None
    ) -> str:
        return settings.MEDIA_URL + filepath_to_uri(name)
