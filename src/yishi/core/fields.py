"""Model fields for personal data: encrypted at rest (SM4-GCM), found through a keyed hash."""

from __future__ import annotations

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


def blind_index(value: str) -> str:
    """The keyed hash under which an encrypted value is looked up (exact match only)."""
    return crypto.hmac_sm3_hex(value.strip().upper())
