"""The envelope protocol (docs/exchange/README.md): RFC 8785 canonical JSON, SM2 with SM3
and the default user ID over it, DER signature in base64 beside the envelope, files by SM3.

Nothing here touches the database: another platform's implementation needs only this.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import secrets
import uuid
from functools import lru_cache
from typing import Any

import rfc8785
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from tongsuopy.crypto import hashes, serialization
from tongsuopy.crypto.asymciphers import ec

from yishi.core.crypto import sm3_hex
from yishi.exchange.conf import SCHEMA_DIR

KINDS = (
    "application",
    "status",
    "supplement_request",
    "supplement_reply",
    "decision",
    "result",
    "delivery",
    "receipt",
)
SIGNED_SCHEMA = "signed.schema.json"
ENVELOPE_SCHEMA = "envelope.schema.json"


class ProtocolError(ValueError):
    """An envelope that cannot be accepted; `code` names the rule, the message is Chinese."""

    def __init__(self, message: str, *, code: str, field: str = "envelope", status: int = 400):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.status = status


def canonical(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes of a JSON value."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise ProtocolError(
            f"信封无法规范化（RFC 8785）：{exc}", code="not_canonicalizable"
        ) from exc


def file_sm3(data: bytes) -> str:
    return sm3_hex(data)


def sign(envelope: dict[str, Any], private_key: Any) -> str:
    """base64 of the DER SM2 signature (SM3, user ID 1234567812345678) of the canonical form."""
    der = private_key.sign(canonical(envelope), ec.ECDSA(hashes.SM3()))
    return base64.b64encode(der).decode("ascii")


@lru_cache(maxsize=64)
def _public(public_pem: str) -> Any:
    return serialization.load_pem_public_key(public_pem.encode("ascii"))


def verify(envelope: dict[str, Any], signature_b64: str, public_pem: str) -> bool:
    """True only when the signature verifies; never raises for a bad signature or key."""
    try:
        der = base64.b64decode(signature_b64, validate=True)
        data = canonical(envelope)
        _public(public_pem).verify(der, data, ec.ECDSA(hashes.SM3()))
    except Exception:  # InvalidSignature, malformed DER or key, binascii errors
        return False
    return True


def now_rfc3339() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_rfc3339(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("no offset")
    return parsed


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def envelope(
    *,
    kind: str,
    sender: str,
    receiver: str,
    body: dict[str, Any],
    files: list[dict[str, str]] | None = None,
    envelope_id: str | None = None,
    created: str | None = None,
    nonce: str | None = None,
) -> dict[str, Any]:
    return {
        "id": envelope_id or str(uuid.uuid4()),
        "kind": kind,
        "sender": sender,
        "receiver": receiver,
        "created": created or now_rfc3339(),
        "nonce": nonce or new_nonce(),
        "body": body,
        "files": files or [],
    }


def wrap(
    env: dict[str, Any], private_key: Any, attachments: dict[str, bytes] | None = None
) -> dict[str, Any]:
    """The signed wrapper sent over the wire; file contents travel base64 in `attachments`,
    keyed by their SM3 (they are covered by the signature through the envelope's `files`)."""
    signed: dict[str, Any] = {"envelope": env, "signature": sign(env, private_key)}
    if attachments:
        signed["attachments"] = {
            digest: base64.b64encode(data).decode("ascii") for digest, data in attachments.items()
        }
    return signed


# ---------------------------------------------------------------- schemas


@lru_cache(maxsize=1)
def _registry() -> tuple[Registry, dict[str, dict]]:
    schemas = {path.name: json.loads(path.read_text("utf-8")) for path in SCHEMA_DIR.glob("*.json")}
    registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )
    return registry, schemas


def validator(name: str = SIGNED_SCHEMA) -> Draft202012Validator:
    registry, schemas = _registry()
    return Draft202012Validator(
        schemas[name], registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def schema_errors(document: Any, name: str = SIGNED_SCHEMA) -> list[tuple[str, str]]:
    """(JSON path, message) for each way `document` breaks the schema, first the shallowest."""
    errors = sorted(validator(name).iter_errors(document), key=lambda e: len(e.absolute_path))
    return [("/".join(str(p) for p in e.absolute_path) or "(根)", e.message) for e in errors]


def check_attachments(env: dict[str, Any], attachments: Any) -> dict[str, bytes]:
    """The file bytes, each matching the SM3 the signed envelope names; ProtocolError for a
    missing, extra or altered file."""
    attachments = attachments or {}
    wanted = {f["sm3"] for f in env.get("files", [])}
    if set(attachments) - wanted:
        raise ProtocolError(
            "附件未在信封的文件清单中列出", code="file_unlisted", field="attachments"
        )
    found: dict[str, bytes] = {}
    for digest in wanted:
        if digest not in attachments:
            raise ProtocolError(
                f"缺少文件 {digest[:12]}… 的内容", code="file_missing", field="attachments"
            )
        try:
            data = base64.b64decode(attachments[digest], validate=True)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise ProtocolError(
                "附件不是有效的 base64", code="file_encoding", field="attachments"
            ) from exc
        if file_sm3(data) != digest:
            raise ProtocolError(
                f"文件 {digest[:12]}… 的 SM3 摘要不符：文件已被改动",
                code="file_tampered",
                field="attachments",
            )
        found[digest] = data
    return found
