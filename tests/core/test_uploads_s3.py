"""Uploads on an S3-compatible object store (moto's server mode): kept under their hash in a
private bucket, refused uploads leave no object, orphans are swept, public files are served
from the store by our own route, personal files never get a public or presigned URL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from tests.core.upload_samples import EXE, pdf_bytes, png_bytes
from yishi.core.crypto import hmac_sm3_hex
from yishi.core.errors import ValidationFailed
from yishi.core.models import StoredFile
from yishi.core.uploads import read_stored, store_upload, stored_files_sweep

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("s3_storage")]


@pytest.mark.django_db
def test_a_stored_upload_is_a_private_object_under_its_hash(s3_storage):
    data = png_bytes()
    digest = hmac_sm3_hex(data)
    stored = store_upload(name="户口本.png", data=data)
    path = f"uploads/{digest[:2]}/{digest}.png"
    assert stored.file.name == path
    assert s3_storage.names() == [path]
    body = s3_storage.client.get_object(Bucket=s3_storage.bucket, Key=path)["Body"].read()
    assert body.startswith(b"YSE1") and data not in body
    assert read_stored(stored) == data
    grants = s3_storage.client.get_object_acl(Bucket=s3_storage.bucket, Key=path)["Grants"]
    assert [g["Grantee"].get("URI") for g in grants] == [None]  # the owner alone
    # Our own route, never the bucket's address or a presigned link.
    assert stored.file.url == f"/media/{path}"


@pytest.mark.django_db
def test_identical_content_is_one_object_and_a_refused_upload_is_none(s3_storage):
    data = pdf_bytes()
    first = store_upload(name="申请书.pdf", data=data)
    second = store_upload(name="副本.pdf", data=data)
    with pytest.raises(ValidationFailed):
        store_upload(name="申请书.pdf", data=EXE)
    assert first.file.name == second.file.name
    assert s3_storage.names() == [first.file.name]
    assert StoredFile.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_failed_database_write_leaves_no_object_behind(s3_storage):
    ghost = get_user_model()(pk=987654, username="ghost")
    with pytest.raises(IntegrityError):
        store_upload(name="申请书.pdf", data=pdf_bytes(), actor=ghost)
    assert s3_storage.names() == []


@pytest.mark.django_db
def test_an_object_left_by_a_rollback_is_swept_from_the_bucket(s3_storage):
    kept = store_upload(name="保留.png", data=png_bytes())
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = store_upload(name="回滚.pdf", data=pdf_bytes())
        raise RuntimeError("the application failed after the upload")
    assert s3_storage.names() == sorted([kept.file.name, lost.file.name])
    assert stored_files_sweep() == 0  # inside the grace period
    assert stored_files_sweep(grace=dt.timedelta(hours=-1)) == 1
    assert s3_storage.names() == [kept.file.name]


@pytest.mark.django_db
def test_public_files_are_served_from_the_store_and_personal_ones_are_not(s3_storage, client):
    default_storage.save("hall/photos/entrance.png", ContentFile(png_bytes()))
    stored = store_upload(name="户口本.png", data=png_bytes())
    response = client.get("/media/hall/photos/entrance.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png_bytes()
    assert client.get("/media/hall/photos/missing.png").status_code == 404
    assert client.get(f"/media/{stored.file.name}").status_code == 404
    assert client.get("/media/hall/photos/../../" + stored.file.name).status_code == 404
