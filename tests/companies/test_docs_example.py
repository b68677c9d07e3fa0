"""docs/verify-offline.md: its worked example verifies with gmssl as the page says, and the
change it suggests makes it fail."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.companies.support import gmssl_verify

DOC = Path(__file__).resolve().parents[2] / "docs" / "verify-offline.md"


def _block(name: str) -> dict:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"<!-- example:{name} -->\s*```json\n(.*?)```", text, re.S)
    assert match, name
    return json.loads(match.group(1))


def test_the_worked_example_of_the_offline_verification_guide_holds():
    seal, sig = _block("seal"), _block("signature")
    assert sig["seal_id"] == seal["id"]
    data = sig["data"].encode("utf-8")
    assert gmssl_verify(seal["public_key"], sig["signature"], data)
    assert seal["owner"] == "dept:" + json.loads(sig["data"])["issuer"]
    assert not gmssl_verify(seal["public_key"], sig["signature"], data.replace(b"2031", b"2036"))
