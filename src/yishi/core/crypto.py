"""National-standard crypto helpers: SM3 digests, HMAC-SM3 keyed index, SM4-GCM at rest.

SM4 keys come from settings.FIELD_KEYS as "id:hex" (first one encrypts, all decrypt), so a key
can be rotated without re-encrypting everything at once.
"""

from __future__ import annotations

import base64
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

_NONCE = 12
_TAG = 16


def sm3_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3_hex(data: bytes | str, key: bytes | str | None = None) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    if key is None:
        key = settings.INDEX_KEY
    if isinstance(key, str):
        key = key.encode("utf-8")
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize().hex()


@lru_cache(maxsize=8)
def _keys(spec: tuple[str, ...]) -> tuple[tuple[str, bytes], ...]:
    keys = []
    for item in spec:
        key_id, _, hex_key = item.partition(":")
        raw = bytes.fromhex(hex_key)
        if len(raw) != 16 or not key_id:
            raise ValueError(
                "each YISHI_FIELD_KEYS entry must be 'id:<32 hex chars>' (SM4 is 128-bit)"
            )
        keys.append((key_id, raw))
    if not keys:
        raise ValueError("YISHI_FIELD_KEYS is empty: personal fields cannot be encrypted")
    return tuple(keys)


def sm4_encrypt(plaintext: str) -> str:
    """Encrypt with the current key: "<key id>$<base64(nonce|ciphertext|tag)>"."""
    key_id, key = _keys(tuple(settings.FIELD_KEYS))[0]
    nonce = os.urandom(_NONCE)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(key_id.encode())
    ct = enc.update(plaintext.encode("utf-8")) + enc.finalize()
    return f"{key_id}${base64.b64encode(nonce + ct + enc.tag).decode('ascii')}"


def sm4_decrypt(token: str) -> str:
    key_id, _, body = token.partition("$")
    keys = dict(_keys(tuple(settings.FIELD_KEYS)))
    if key_id not in keys:
        raise ValueError(f"no SM4 key with id {key_id!r} in YISHI_FIELD_KEYS")
    raw = base64.b64decode(body)
    nonce, ct, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    dec = Cipher(algorithms.SM4(keys[key_id]), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(key_id.encode())
    return (dec.update(ct) + dec.finalize()).decode("utf-8")


class DecryptionFailed(ValueError):
    """Bytes that do not open: a key id we do not hold, or bytes (or their additional data)
    changed since they were sealed, so the GCM tag does not match."""


def sm4_encrypt_bytes(data: bytes, *, aad: bytes = b"") -> tuple[str, bytes]:
    """Encrypt bytes with the current field key: (key id, nonce|ciphertext|tag).

    The key id and `aad` are authenticated as "<key id>|<aad>", so a blob moved to another
    place its caller binds in `aad` (a storage path, a recording piece) no longer opens."""
    key_id, key = _keys(tuple(settings.FIELD_KEYS))[0]
    nonce = os.urandom(_NONCE)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(key_id.encode() + b"|" + aad)
    body = enc.update(data) + enc.finalize()
    return key_id, nonce + body + enc.tag


def sm4_decrypt_bytes(key_id: str, blob: bytes, *, aad: bytes = b"") -> bytes:
    """Open what `sm4_encrypt_bytes` returned under any configured key (so older blobs stay
    readable after a rotation); DecryptionFailed when it does not open."""
    keys = dict(_keys(tuple(settings.FIELD_KEYS)))
    if key_id not in keys:
        raise DecryptionFailed(f"no SM4 key with id {key_id!r} in YISHI_FIELD_KEYS")
    if len(blob) < _NONCE + _TAG:
        raise DecryptionFailed("SM4 blob too short")
    nonce, body, tag = blob[:_NONCE], blob[_NONCE:-_TAG], blob[-_TAG:]
    dec = Cipher(algorithms.SM4(keys[key_id]), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(key_id.encode() + b"|" + aad)
    try:
        return dec.update(body) + dec.finalize()
    except InvalidTag as exc:
        raise DecryptionFailed("SM4-GCM tag mismatch: the bytes were modified") from exc


def mask(value: str, *, head: int = 4, tail: int = 4) -> str:
    """4207**********1234: keep the head and tail, star the middle."""
    if not value:
        return ""
    if len(value) <= head + tail:
        return value[:1] + "*" * (len(value) - 1)
    return value[:head] + "*" * (len(value) - head - tail) + (value[-tail:] if tail else "")


def mask_phone(value: str) -> str:
    return mask(value, head=3, tail=4)
