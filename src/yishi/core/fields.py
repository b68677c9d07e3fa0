"""Model fields for personal data: encrypted at rest (SM4-GCM), found through a keyed hash."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db import models

from yishi.core import crypto


class EncryptedTextField(models.TextField):
    """Stores sm4_encrypt(value); Python code sees the plain value. Not searchable: pair it
    with a blind-index field (see `blind_index`)."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.sm4_decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.sm4_encrypt(str(value))


class EncryptedJSONField(models.TextField):
    """A JSON value stored as sm4_encrypt(JSON text) in a text column; Python code sees the
    decoded value (dict, list, …), as with a JSONField. Nothing in it can be queried in SQL
    (`form_data__name` is a FieldError): filter in Python, or keep a blind index beside it.
    Strings read back never hold an unpaired surrogate (an unpaired surrogate, sent as the JSON escape before the input guard refused it, cannot be encoded and would break every page showing it)."""

    empty_strings_allowed = False

    def __init__(self, *args: Any, encoder: type[json.JSONEncoder] | None = None, **kwargs: Any):
        self.encoder = encoder
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.encoder is not None:
            kwargs["encoder"] = self.encoder
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        from yishi.core.hostile import scrub

        return scrub(json.loads(crypto.sm4_decrypt(value)))

    def to_python(self, value):
        # The Python value is the JSON value itself; TextField's would turn a dict into str.
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        text = json.dumps(value, cls=self.encoder, ensure_ascii=False, separators=(",", ":"))
        try:
            return crypto.sm4_encrypt(text)
        except UnicodeEncodeError:  # an unpaired surrogate: stored escaped, scrubbed on read
            return crypto.sm4_encrypt(json.dumps(value, cls=self.encoder, separators=(",", ":")))

    def get_db_prep_value(self, value, connection, prepared=False):
        # No str() of the value as TextField would; `prepared` values are already ciphertext.
        return value if prepared else self.get_prep_value(value)

    def value_to_string(self, obj):
        return self.value_from_object(obj)

    def formfield(self, **kwargs):
        return super(models.TextField, self).formfield(
            **{"form_class": forms.JSONField, "encoder": self.encoder, **kwargs}
        )


def blind_index(value: str) -> str:
    """The keyed hash under which an encrypted value is looked up (exact match only)."""
    return crypto.hmac_sm3_hex(value.strip().upper())
