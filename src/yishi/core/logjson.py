"""One JSON object per log line (python-json-logger), for production: a log shipper reads
fields (time, level, logger, message, request_id, and an access line's method, path,
status, duration_ms, user_id) instead of parsing text.

The personal-data mask (yishi.core.logmask) runs as a filter before this formatter and
leaves a masked message, masked text extras and a masked `exc_text`; this formatter writes
that `exc_text` instead of formatting the traceback again from `exc_info` (as the library
does), and never writes objects whose text may carry personal data (Django puts the request
itself on `django.request` records: its repr holds the query string).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from yishi.core.logmask import mask_personal_numbers

_PLAIN = (str, int, float, bool, type(None), dt.datetime)  # the encoder writes ISO 8601
# Extras that are whole objects, not data: left out.
_DROPPED = ("request", "scope")


class MaskedJsonFormatter(JsonFormatter):
    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and record.exc_text:
            exc_info, record.exc_info = record.exc_info, None
            try:
                return super().format(record)
            finally:
                record.exc_info = exc_info
        return super().format(record)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        for name in _DROPPED:
            log_data.pop(name, None)
        for name, value in log_data.items():
            if not isinstance(value, _PLAIN):
                log_data[name] = mask_personal_numbers(str(value))
        return log_data
