"""Mask ID and mobile numbers in log output: a logging filter that every handler in
settings.LOGGING carries, so a number that slips into a message, its arguments, a request
path in an access line or a traceback reaches the log as 4207**********1234 / 139****0000."""

from __future__ import annotations

import datetime as dt
import logging
import re
import traceback

from yishi.core.crypto import mask, mask_phone

# 17 digits and a digit or X, not inside a longer run of digits: a 19-digit number (an order
# number, a bank card) is left whole rather than cut into a false mask. Letters around it do
# not stop the match, so "id420702…" and Chinese text "身份证号420702…" are masked too
# (`\b` would not fire between 号 and a digit: both are word characters).
_ID_NUMBER = re.compile(
    r"(?<![0-9])[1-9][0-9]{5}"  # region
    r"((?:19|20)[0-9]{2})([0-9]{2})([0-9]{2})"  # birth date
    r"[0-9]{3}[0-9Xx](?![0-9])"  # sequence and check character
)
# Mainland mobile numbers, optionally after +86 / 86; not inside a longer run of digits.
_MOBILE = re.compile(r"(?<![0-9])((?:\+?86[ -]?)?)(1[3-9][0-9]{9})(?![0-9])")


def _plausible_birth_date(year: str, month: str, day: str) -> bool:
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _mask_id_number(match: re.Match[str]) -> str:
    # A plausible birth date, not a valid check digit, decides: a mistyped number is still
    # someone's, while the date keeps random 18-digit runs (snowflake IDs) from being starred.
    if not _plausible_birth_date(match[1], match[2], match[3]):
        return match[0]
    return mask(match[0])


def mask_personal_numbers(text: str) -> str:
    """The text with 18-character ID numbers and mainland mobile numbers masked."""
    if not any(char.isdigit() for char in text):
        return text
    text = _ID_NUMBER.sub(_mask_id_number, text)
    return _MOBILE.sub(lambda m: m[1] + mask_phone(m[2]), text)


# What every LogRecord carries; anything else on a record came as `extra=` (the JSON
# formatter writes it out) and is masked too when it is text.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request_id",
}


class PersonalDataMaskFilter(logging.Filter):
    """Format the record's message, mask it, and store it back with no arguments, so that every
    formatter after this one (plain, JSON, Django's server formatter, uvicorn's) sees only the
    masked text. Tracebacks, stack info and text passed as `extra=` are masked the same way."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not break the code that logs
            # logging would print the raw arguments to stderr later; keep them, masked.
            message = f"{record.msg} (log arguments did not fit: {record.args!r})"
        record.msg = mask_personal_numbers(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = mask_personal_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_numbers(record.stack_info)
        for name, value in record.__dict__.items():
            if isinstance(value, str) and name not in _RECORD_ATTRIBUTES:
                record.__dict__[name] = mask_personal_numbers(value)
        return True
