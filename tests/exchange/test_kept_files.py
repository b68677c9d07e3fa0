"""Files that passed the upload check are kept when the form is refused for something else:
the page shows them attached (with a way to remove or replace them) and the next submit uses
them without choosing them again. Only the user whose session kept a file can attach it."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.cases.factories import ApplicantFactory
from tests.core.upload_samples import pdf_bytes, png_bytes
from tests.exchange.test_resident_and_counter import _counter_post
from yishi.cases.models import Application
from yishi.exchange import protocol
from yishi.exchange.models import Envelope


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _png(name: str = "scan.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def _kept(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(kept\.\d+)" value="([0-9a-f]{64})"', html))


def _sent_files(envelope: Envelope) -> dict[str, str]:
    return {m["name"]: m["file"] for m in envelope.body["materials"]}


def test_a_refused_online_form_keeps_the_good_file_and_the_next_submit_uses_it(side):
    agreed = side["agreed"]["QR90002000-X-ONLINE"]
    client = _login(side["applicant"].user)
    url = f"/apply/exchange/{agreed.pk}/"
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    refused = client.post(
        url, {"delivery_method": "pickup", "material.1": _png("身份证.png"), "material.2": bad}
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    kept = _kept(html)
    assert list(kept) == ["kept.1"]  # the refused file is not kept
    assert "已上传：身份证.png" in html and 'name="drop.1"' in html
    assert kept["kept.1"] == protocol.file_sm3(png_bytes())
    # Only the second file is chosen again.
    done = client.post(
        url,
        {"delivery_method": "pickup", **kept, "material.2": _png("申请表.png")},
    )
    assert done.status_code == 302, done.content.decode()
    envelope = Envelope.objects.get(kind="application")
    assert set(_sent_files(envelope)) == {"居民身份证", "申请表"}
    assert _sent_files(envelope)["居民身份证"] == kept["kept.1"]
    assert Application.objects.get().materials.filter(stored_file__isnull=False).count() == 2


def test_a_kept_file_can_be_removed_or_replaced(side):
    agreed = side["agreed"]["QR90002000-X-ONLINE"]
    client = _login(side["applicant"].user)
    url = f"/apply/exchange/{agreed.pk}/"
    first = client.post(
        url, {"delivery_method": "mail", "material.1": _png(), "material.2": _png()}
    )
    assert first.status_code == 400  # mail without an address
    kept = _kept(first.content.decode())
    assert set(kept) == {"kept.1", "kept.2"}
    removed = client.post(url, {"delivery_method": "pickup", **kept, "drop.1": "yes"})
    assert removed.status_code == 400
    assert "请上传“居民身份证”" in removed.content.decode()
    assert set(_kept(removed.content.decode())) == {"kept.2"}
    pdf = pdf_bytes()
    replacement = SimpleUploadedFile("id.pdf", pdf, content_type="application/pdf")
    done = client.post(url, {"delivery_method": "pickup", **kept, "material.1": replacement})
    assert done.status_code == 302
    sent = _sent_files(Envelope.objects.get(kind="application"))
    assert sent["居民身份证"] == protocol.file_sm3(pdf)
    assert sent["申请表"] == kept["kept.2"]


def test_another_user_cannot_attach_a_kept_file_by_its_reference(side):
    agreed = side["agreed"]["QR90002000-X-ONLINE"]
    url = f"/apply/exchange/{agreed.pk}/"
    owner = _login(side["applicant"].user)
    refused = owner.post(
        url, {"delivery_method": "mail", "material.1": _png(), "material.2": _png()}
    )
    kept = _kept(refused.content.decode())
    assert kept
    stranger = _login(ApplicantFactory().user)
    response = stranger.post(url, {"delivery_method": "pickup", **kept})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请上传“居民身份证”" in html and "请上传“申请表”" in html
    assert not _kept(html)
    assert not Application.objects.exists()
    # A guessed reference never attaches anything either, even for the owner.
    guessed = owner.post(url, {"delivery_method": "pickup", "kept.1": "0" * 64})
    assert guessed.status_code == 400 and not Application.objects.exists()


def test_opening_the_form_again_starts_without_kept_files(side):
    agreed = side["agreed"]["QR90002000-X-ONLINE"]
    client = _login(side["applicant"].user)
    url = f"/apply/exchange/{agreed.pk}/"
    refused = client.post(url, {"delivery_method": "mail", "material.1": _png()})
    kept = _kept(refused.content.decode())
    assert kept
    assert not _kept(client.get(url).content.decode())
    response = client.post(url, {"delivery_method": "pickup", **kept, "material.2": _png()})
    assert response.status_code == 400  # the kept file was forgotten with the new form


def test_the_counter_keeps_scans_when_the_identity_check_is_missing(side):
    agreed = side["agreed"]["QR90001000-X-PROXY"]
    clerk = _login(side["clerk"])
    refused = clerk.post(
        "/workbench/exchange/counter/", _counter_post(agreed, identity_checked=None)
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    kept = _kept(html)
    assert set(kept) == {"kept.1", "kept.2"}
    assert "已扫描：scan1.png" in html and "重新扫描以替换" in html
    data = _counter_post(agreed, **{"scan.1": None, "scan.2": None}, **kept)
    done = clerk.post("/workbench/exchange/counter/", data)
    assert done.status_code == 302, done.content.decode()
    envelope = Envelope.objects.get(kind="application")
    assert set(_sent_files(envelope).values()) == set(kept.values())


def test_a_clerk_cannot_attach_scans_another_clerk_kept(side):
    from tests.cases.factories import StaffFactory

    agreed = side["agreed"]["QR90001000-X-PROXY"]
    first = _login(side["clerk"])
    refused = first.post(
        "/workbench/exchange/counter/", _counter_post(agreed, identity_checked=None)
    )
    kept = _kept(refused.content.decode())
    other = _login(StaffFactory().user)
    data = _counter_post(agreed, **{"scan.1": None, "scan.2": None}, **kept)
    response = other.post("/workbench/exchange/counter/", data)
    assert response.status_code == 400
    assert "请扫描上传“居民身份证”" in response.content.decode()
    assert not Application.objects.exists()
