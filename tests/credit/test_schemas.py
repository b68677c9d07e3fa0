"""Every pushed document matches its topic's schema, and the validator catches bad ones."""

from __future__ import annotations

import copy

import pytest

from yishi.credit.schemas import TOPIC_SCHEMAS, schema_errors, validate_document

GOOD = {
    "schema": "yishi.credit.record/1",
    "document_id": "yishi-credit-record-1",
    "record_kind": "penalty",
    "subject": {"type": "company", "name": "某公司", "id_number": "91420702MA4F000000"},
    "reason": "罚款",
    "occurred_on": "2026-04-01",
    "application": None,
    "source": "",
}


def test_a_valid_document_has_no_errors():
    assert validate_document("credit.penalty", GOOD) == []


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d.pop("reason"), "missing 'reason'"),
        (lambda d: d.update(record_kind="other"), "not one of"),
        (lambda d: d.update(occurred_on="1/4/2026"), "does not match"),
        (lambda d: d.update(extra=1), "unexpected 'extra'"),
        (lambda d: d["subject"].update(type=1), "$.subject.type"),
        (lambda d: d.update(schema="yishi.credit.record/2"), "must be"),
        (lambda d: d.update(reason=""), "shorter than"),
    ],
)
def test_the_validator_names_each_violation(change, fragment):
    doc = copy.deepcopy(GOOD)
    change(doc)
    errors = validate_document("credit.penalty", doc)
    assert any(fragment in e for e in errors), errors


def test_every_topic_has_a_schema_with_an_id():
    assert set(TOPIC_SCHEMAS) == {
        "credit.commitment.signed",
        "credit.commitment.kept",
        "credit.commitment.broken",
        "credit.penalty",
        "credit.repair",
    }
    for schema in TOPIC_SCHEMAS.values():
        assert schema["$id"].startswith("yishi.credit.")
        assert schema_errors({}, schema)  # an empty document is never valid
