"""YISHI_STORAGE_URL: unset means local files; an s3:// URL becomes django-storages' options
with private objects; a typo in an option is refused, not ignored."""

from __future__ import annotations

import pytest

from yishi.core.storage import is_public, storage_backend


def test_no_url_means_local_files():
    assert storage_backend("") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_an_s3_url_gives_private_options_with_the_urls_credentials():
    url = (
        "s3://AKID:se%2Fcret@yishi-files?endpoint_url=http://127.0.0.1:5000"
        "&region_name=cn-north-1&addressing_style=path&verify=false"
    )
    assert storage_backend(url) == {
        "BACKEND": "yishi.core.s3.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": "yishi-files",
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "access_key": "AKID",
            "secret_key": "se/cret",
            "endpoint_url": "http://127.0.0.1:5000",
            "region_name": "cn-north-1",
            "addressing_style": "path",
            "verify": False,
        },
    }


def test_without_credentials_in_the_url_boto3_finds_them_itself():
    options = storage_backend("s3://bucket")["OPTIONS"]
    assert "access_key" not in options and "secret_key" not in options


@pytest.mark.parametrize(
    "url", ["http://bucket", "s3://", "s3://bucket?endpoint=http://x", "/var/media"]
)
def test_a_bad_url_is_refused(url):
    with pytest.raises(ValueError, match="YISHI_STORAGE_URL"):
        storage_backend(url)


@pytest.mark.parametrize(
    ("name", "public"),
    [
        ("hall/photos/a.png", True),
        ("catalog/forms/x.docx", True),
        ("uploads/ab/abc.pdf", False),
        ("hall/photos/../../uploads/ab/abc.pdf", False),
        ("/hall/photos/a.png", False),
        ("hall/photos//a.png", False),
    ],
)
def test_only_the_public_prefixes_are_public(name, public):
    assert is_public(name) is public


@pytest.mark.django_db
def test_public_files_are_read_from_local_storage_and_uploads_are_not_served(
    client, settings, tmp_path
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    settings.MEDIA_ROOT = tmp_path / "media"
    default_storage.save("catalog/forms/birth.docx", ContentFile(b"form"))
    default_storage.save("uploads/ab/abc.pdf", ContentFile(b"%PDF-1.4 personal"))
    response = client.get("/media/catalog/forms/birth.docx")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"form"
    assert "Last-Modified" in response and response["Cache-Control"] == "public, max-age=3600"
    assert client.get("/media/uploads/ab/abc.pdf").status_code == 404
    assert client.get("/media/catalog/forms/missing.docx").status_code == 404
