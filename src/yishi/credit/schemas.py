"""JSON Schemas (draft 2020-12 subset) of the documents pushed to the provincial credit
platform, one per topic, and a small validator for the subset used here (type, required,
properties, additionalProperties, enum, const, items, minLength, pattern)."""

from __future__ import annotations

import re
from typing import Any

DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
DATETIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"}
TEXT = {"type": "string", "minLength": 1}
NULLABLE_DATE = {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}$"}

SUBJECT = {
    "type": "object",
    "required": ["type", "name", "id_number"],
    "additionalProperties": False,
    "properties": {
        "type": {"enum": ["person", "company"]},
        "name": TEXT,
        # 居民身份证号 or 统一社会信用代码 (both 18 characters): the platform needs the real
        # code. The key is "id_number" so that outbox.masked_for_log masks it in any log.
        "id_number": {"type": "string", "pattern": r"^[0-9A-Z]{18}$"},
    },
}

ITEM = {
    "type": "object",
    "required": ["matter_code", "matter", "material", "kind", "due", "fulfilled_at"],
    "additionalProperties": False,
    "properties": {
        "matter_code": TEXT,
        "matter": TEXT,
        "material": TEXT,
        "kind": {"enum": ["deferred", "proof"]},
        "due": NULLABLE_DATE,
        "fulfilled_at": {"type": ["string", "null"]},
    },
}

COMMITMENT = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "yishi.credit.commitment/1",
    "title": "告知承诺/容缺承诺",
    "type": "object",
    "required": [
        "schema",
        "document_id",
        "event",
        "occurred_at",
        "subject",
        "application",
        "kind",
        "status",
        "signed_at",
        "signer_role",
        "text_sm3",
        "signature",
        "items",
    ],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": "yishi.credit.commitment/1"},
        "document_id": TEXT,
        "event": {"enum": ["signed", "kept", "broken"]},
        "occurred_at": DATETIME,
        "subject": SUBJECT,
        "application": TEXT,
        "kind": {"enum": ["deferral", "proof", "both"]},
        "status": {"enum": ["signed", "active", "kept", "broken"]},
        "signed_at": DATETIME,
        "signer_role": {"enum": ["applicant", "agent"]},
        "text_sm3": {"type": "string", "pattern": r"^[0-9a-f]{64}$"},
        "signature": {
            "type": "object",
            "required": ["key_id", "digest", "value", "algorithm"],
            "properties": {
                "key_id": {"type": "string"},
                "digest": {"type": "string"},
                "value": {"type": "string"},
                "algorithm": {"type": "string"},
            },
        },
        "items": {"type": "array", "items": ITEM},
        "broken_reason": {"type": "string"},
    },
}

RECORD = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "yishi.credit.record/1",
    "title": "信用记录",
    "type": "object",
    "required": ["schema", "document_id", "record_kind", "subject", "reason", "occurred_on"],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": "yishi.credit.record/1"},
        "document_id": TEXT,
        "record_kind": {"enum": ["kept", "broken", "penalty", "repair"]},
        "subject": SUBJECT,
        "reason": TEXT,
        "occurred_on": DATE,
        "application": {"type": ["string", "null"]},
        "source": {"type": "string"},
    },
}

REPAIR = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "yishi.credit.repair/1",
    "title": "信用修复",
    "type": "object",
    "required": [
        "schema",
        "document_id",
        "subject",
        "decided_on",
        "statement",
        "repaired_records",
        "blacklist_lifted",
    ],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": "yishi.credit.repair/1"},
        "document_id": TEXT,
        "subject": SUBJECT,
        "decided_on": DATE,
        "statement": TEXT,
        "repaired_records": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["document_id", "record_kind", "occurred_on"],
                "properties": {
                    "document_id": TEXT,
                    "record_kind": {"enum": ["broken", "penalty"]},
                    "occurred_on": DATE,
                },
            },
        },
        "blacklist_lifted": {"type": "integer"},
    },
}

TOPIC_SCHEMAS: dict[str, dict[str, Any]] = {
    "credit.commitment.signed": COMMITMENT,
    "credit.commitment.kept": COMMITMENT,
    "credit.commitment.broken": COMMITMENT,
    "credit.penalty": RECORD,
    "credit.repair": REPAIR,
}

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def _type_ok(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[name])


def schema_errors(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Every violation of `schema` in `value`, as "path: reason" lines (empty when valid)."""
    errors: list[str] = []
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: must be {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not one of {schema['enum']!r}")
    wanted = schema.get("type")
    if wanted is not None:
        names = [wanted] if isinstance(wanted, str) else list(wanted)
        if not any(_type_ok(value, n) for n in names):
            return [*errors, f"{path}: expected {'|'.join(names)}, got {type(value).__name__}"]
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: shorter than {schema['minLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: does not match {schema['pattern']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        errors.extend(
            f"{path}: missing {k!r}" for k in schema.get("required", []) if k not in value
        )
        if schema.get("additionalProperties") is False:
            errors.extend(f"{path}: unexpected {key!r}" for key in value if key not in props)
        for key, sub in props.items():
            if key in value:
                errors.extend(schema_errors(value[key], sub, f"{path}.{key}"))
    if isinstance(value, list) and "items" in schema:
        for n, item in enumerate(value):
            errors.extend(schema_errors(item, schema["items"], f"{path}[{n}]"))
    return errors


def validate_document(topic: str, document: dict[str, Any]) -> list[str]:
    """Violations of the topic's schema in one pushed document."""
    return schema_errors(document, TOPIC_SCHEMAS[topic])
