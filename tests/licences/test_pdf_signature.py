"""The licence PDF carries signature.json: the canonical bytes the issuer's seal signed, the
stored signature and the key id, beside the visible seal."""

from __future__ import annotations

import io
import json

import pypdf
import pytest

from tests.licences.factories import issue
from yishi.core.signing import verify
from yishi.licences.canonical import licence_canonical
from yishi.licences.pdf import licence_pdf

pytestmark = pytest.mark.django_db


def test_the_licence_pdf_embeds_the_signed_data_and_signature():
    licence = issue()
    reader = pypdf.PdfReader(io.BytesIO(licence_pdf(licence)))
    body = json.loads(reader.attachments["signature.json"][0])
    assert body == {
        "data": licence_canonical(licence).decode("utf-8"),
        "signature": licence.signature["value"],
        "seal_id": licence.signature["key_id"],
    }
    assert verify(body["data"], licence.signature)
