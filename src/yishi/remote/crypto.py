"""SM4-GCM for the recordings' bytes, with the keys and key ids of the personal fields
(settings.FIELD_KEYS through yishi.core.crypto): the first key encrypts, every key decrypts,
so a rotation leaves older recordings readable. The piece's identity is bound in as
additional data, so a stored piece cannot be swapped for another one unnoticed."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

from yishi.core.crypto import _keys

_NONCE = 12
_TAG = 16


def encrypt(data: bytes, *, aad: str) -> bytes:
    """b"<key id>$" + nonce + ciphertext + tag."""
    key_id, key = _keys(tuple(settings.FIELD_KEYS))[0]
    nonce = os.urandom(_NONCE)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(f"{key_id}|{aad}".encode())
    body = enc.update(data) + enc.finalize()
    return key_id.encode() + b"$" + nonce + body + enc.tag


def decrypt(blob: bytes, *, aad: str) -> bytes:
    head, _, raw = blob.partition(b"$")
    key_id = head.decode("ascii")
    keys = dict(_keys(tuple(settings.FIELD_KEYS)))
    if key_id not in keys:
        raise ValueError(f"no SM4 key with id {key_id!r} in YISHI_FIELD_KEYS")
    nonce, body, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    dec = Cipher(algorithms.SM4(keys[key_id]), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(f"{key_id}|{aad}".encode())
    return dec.update(body) + dec.finalize()
