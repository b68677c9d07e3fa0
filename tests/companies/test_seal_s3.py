"""Signed documents and licences again with stored files on an S3-compatible object store
(moto's server mode): an uploaded PDF is kept in the bucket and travels inside the sealed PDF,
and a licence PDF still verifies offline."""

from __future__ import annotations

import pytest

from tests.companies.test_offline_verification import (  # noqa: F401 - collected again, on S3
    test_a_licence_pdf_verifies_offline_with_only_the_published_key,
    test_an_uploaded_pdf_travels_with_its_signature_and_its_digest_is_signed,
)
from tests.companies.test_seal_pages import (  # noqa: F401
    test_an_uploaded_pdf_is_signed_through_the_page,
)
from yishi.companies.models import SealedDocument

pytestmark = [pytest.mark.postgres, pytest.mark.django_db, pytest.mark.usefixtures("s3_storage")]


def test_the_original_of_a_signed_upload_lives_in_the_bucket(s3_storage):
    from tests.companies.support import company_world, seal_in_force
    from yishi.companies import services

    w = company_world()
    seal_in_force(w)
    original = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    document = services.document_sign(
        company=w.company,
        user=w.rep.user,
        kind=SealedDocument.Kind.FORM,
        title="年度报告表",
        upload=original,
        upload_name="年度报告表.pdf",
    )
    assert s3_storage.names() == [document.original.file.name]
