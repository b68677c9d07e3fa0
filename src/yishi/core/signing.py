"""SM2 signatures (GB/T 32918, SM3 digest, default user ID 1234567812345678) for the platform's
e-signature service and, later, departments' e-seals.

Each owner ("platform", "dept:<code>") has one active key, created on first use; rotating
retires it but keeps it for verification. Private keys are stored as SM4-encrypted PKCS#8 PEM
(``core.crypto.sm4_encrypt``) and never leave this module. A signature names its key, the SM3
digest of the signed bytes and the DER signature in hex::

    {"algorithm": "SM2-SM3", "key_id": "…", "digest": "<sm3 hex>", "value": "<DER hex>"}
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from tongsuopy.crypto import hashes, serialization
from tongsuopy.crypto.asymciphers import ec

from yishi.core.audit import audit_append
from yishi.core.crypto import sm3_hex, sm4_decrypt, sm4_encrypt
from yishi.core.errors import NotFound
from yishi.core.models import SigningKey

ALGORITHM = "SM2-SM3"
PLATFORM = "platform"
_OWNER_LIMIT = 100


@dataclass(frozen=True)
class Signature:
    key_id: str
    digest: str  # SM3 hex of the signed bytes
    value: str  # the SM2 signature, hex of the DER bytes
    algorithm: str = ALGORITHM

    def as_dict(self) -> dict[str, str]:
        return {
            "algorithm": self.algorithm,
            "key_id": self.key_id,
            "digest": self.digest,
            "value": self.value,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Signature:
        """Raises ValueError when a field is missing or not a string."""
        if not isinstance(d, dict):
            raise ValueError("a signature must be a JSON object")
        fields: dict[str, str] = {}
        for name in ("key_id", "digest", "value", "algorithm"):
            item = d.get(name, ALGORITHM if name == "algorithm" else None)
            if not isinstance(item, str):
                raise ValueError(f"signature field {name!r} is missing or not a string")
            fields[name] = item
        return cls(**fields)


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _check_owner(owner: str) -> None:
    if not isinstance(owner, str) or not owner or len(owner) > _OWNER_LIMIT:
        raise ValueError(f"signing key owner {owner!r} must be 1–{_OWNER_LIMIT} characters")


@lru_cache(maxsize=64)
def _private_key(private_pem_encrypted: str) -> Any:
    return serialization.load_pem_private_key(
        sm4_decrypt(private_pem_encrypted).encode("ascii"), password=None
    )


@lru_cache(maxsize=256)
def _public_key(public_pem: str) -> Any:
    return serialization.load_pem_public_key(public_pem.encode("ascii"))


def _new_key(owner: str) -> SigningKey:
    private = ec.generate_private_key(ec.SM2())
    public = private.public_key()
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    key = SigningKey.objects.create(
        owner=owner,
        # The key's fingerprint: SM3 of its SubjectPublicKeyInfo, which anyone can recompute.
        key_id=sm3_hex(der)[:16],
        public_pem=public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii"),
        private_pem_encrypted=sm4_encrypt(private_pem),
        active=True,
    )
    audit_append(
        action="signing_key.create",
        object_type="signing_key",
        object_id=key.key_id,
        data={"owner": owner},
    )
    return key


def _active_key(owner: str) -> SigningKey:
    key = SigningKey.objects.filter(owner=owner, active=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _new_key(owner)
    except IntegrityError:
        # Another process created the owner's first key at the same moment: use that one.
        return SigningKey.objects.get(owner=owner, active=True)


def sign(data: bytes | str, *, owner: str = PLATFORM) -> Signature:
    """Sign `data` (str is encoded UTF-8) with the owner's active key, creating it on first use."""
    _check_owner(owner)
    raw = _as_bytes(data)
    key = _active_key(owner)
    der = _private_key(key.private_pem_encrypted).sign(raw, ec.ECDSA(hashes.SM3()))
    return Signature(key_id=key.key_id, digest=sm3_hex(raw), value=der.hex())


def signer(owner: str = PLATFORM) -> Callable[[bytes], Signature]:
    """A function that signs bytes with the owner's active key (created on first use), the key
    loaded once: for writers that sign many documents in bulk (stats.history). It keeps the key
    it started with; a rotation meanwhile is not seen."""
    _check_owner(owner)
    key = _active_key(owner)
    private, key_id = _private_key(key.private_pem_encrypted), key.key_id

    def sign_bytes(raw: bytes) -> Signature:
        der = private.sign(raw, ec.ECDSA(hashes.SM3()))
        return Signature(key_id=key_id, digest=sm3_hex(raw), value=der.hex())

    return sign_bytes


def verify(data: bytes | str, signature: Signature | dict) -> bool:
    """True only when the digest is SM3(data) and the SM2 signature verifies under the key it
    names (active or retired); False, never an exception, for anything else."""
    try:
        sig = signature if isinstance(signature, Signature) else Signature.from_dict(signature)
        raw = _as_bytes(data)
        if sig.algorithm != ALGORITHM:
            return False
        if not hmac.compare_digest(sig.digest.lower().encode(), sm3_hex(raw).encode()):
            return False
        der = bytes.fromhex(sig.value)
    except (ValueError, TypeError, AttributeError):
        return False
    if not der or not sig.key_id:
        return False
    public_pem = (
        SigningKey.objects.filter(key_id=sig.key_id).values_list("public_pem", flat=True).first()
    )
    if public_pem is None:
        return False
    try:
        _public_key(public_pem).verify(der, raw, ec.ECDSA(hashes.SM3()))
    except Exception:  # InvalidSignature, or the library refusing malformed DER
        return False
    return True


def rotate_key(*, owner: str = PLATFORM) -> SigningKey:
    """Give the owner a new active key; the old one is retired and still verifies."""
    _check_owner(owner)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                current = (
                    SigningKey.objects.select_for_update(no_key=True)
                    .filter(owner=owner, active=True)
                    .first()
                )
                if current is not None:
                    current.active = False
                    current.retired_at = timezone.now()
                    current.save(update_fields=["active", "retired_at"])
                    audit_append(
                        action="signing_key.retire",
                        object_type="signing_key",
                        object_id=current.key_id,
                        data={"owner": owner},
                    )
                return _new_key(owner)
        except IntegrityError:
            # A concurrent rotation committed its new key first: retire that one and go again.
            continue
    raise RuntimeError(f"could not rotate the signing key of {owner!r}: too much contention")


def public_key_pem(key_id: str) -> str:
    """The PEM public key of `key_id` (active or retired), for verifiers outside the platform."""
    pem = SigningKey.objects.filter(key_id=key_id).values_list("public_pem", flat=True).first()
    if pem is None:
        raise NotFound(f"签名密钥“{key_id}”不存在", field="key_id")
    return pem
