"""A double submit of the 全程网办 page, the counter screen or the 多地联办 page (the same
Idempotency-Key, rendered into the form) makes one application, one crossing and one
envelope; the second submit is answered with the first one's case."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.core.upload_samples import png_bytes
from tests.exchange.test_resident_and_counter import _counter_post
from yishi.cases.models import Application
from yishi.exchange.models import Crossing, Envelope


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _files(prefix: str, count: int = 2) -> dict:
    return {
        f"{prefix}.{n}": SimpleUploadedFile(f"scan{n}.png", png_bytes(), content_type="image/png")
        for n in range(1, count + 1)
    }


def _key(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert found, "the form carries its Idempotency-Key"
    return found.group(1)


def test_a_double_submit_online_makes_one_case_and_answers_the_second_with_it(side):
    agreed = side["agreed"]["QR90002000-X-ONLINE"]
    client = _login(side["applicant"].user)
    url = f"/apply/exchange/{agreed.pk}/"
    key = _key(client.get(url).content.decode())
    data = {"delivery_method": "pickup", "idempotency_key": key}
    first = client.post(url, {**data, **_files("material")})
    second = client.post(url, {**data, **_files("material")})
    assert first.status_code == second.status_code == 302
    app = Application.objects.get()
    assert first["Location"] == second["Location"] == f"/apply/my/{app.number}/"
    assert Crossing.objects.count() == 1
    assert Envelope.objects.filter(kind="application").count() == 1
    # A new form (a new key) is a new application.
    other = client.post(url, {**data, "idempotency_key": "another-key", **_files("material")})
    assert other.status_code == 302 and Application.objects.count() == 2


def test_a_refused_submit_does_not_use_up_the_key(side):
    agreed = side["agreed"]["QR90002000-X-ONLINE"]
    client = _login(side["applicant"].user)
    url = f"/apply/exchange/{agreed.pk}/"
    key = _key(client.get(url).content.decode())
    refused = client.post(
        url, {"delivery_method": "mail", "idempotency_key": key, **_files("material")}
    )
    assert refused.status_code == 400
    assert _key(refused.content.decode()) == key  # the re-rendered form keeps its key
    kept = dict(re.findall(r'name="(kept\.\d+)" value="([0-9a-f]{64})"', refused.content.decode()))
    assert len(kept) == 2
    done = client.post(url, {"delivery_method": "pickup", "idempotency_key": key, **kept})
    assert done.status_code == 302  # the kept files, the same key
    assert Application.objects.count() == 1


def test_the_key_of_one_user_replays_nothing_for_another(side):
    from tests.cases.factories import ApplicantFactory

    agreed = side["agreed"]["QR90002000-X-ONLINE"]
    url = f"/apply/exchange/{agreed.pk}/"
    data = {"delivery_method": "pickup", "idempotency_key": "shared-key"}
    first = _login(side["applicant"].user).post(url, {**data, **_files("material")})
    second = _login(ApplicantFactory().user).post(url, {**data, **_files("material")})
    assert first.status_code == second.status_code == 302
    assert first["Location"] != second["Location"]
    assert Application.objects.count() == 2


def test_a_double_submit_at_the_counter_makes_one_case(side):
    agreed = side["agreed"]["QR90001000-X-PROXY"]
    clerk = _login(side["clerk"])
    key = _key(clerk.get(f"/workbench/exchange/counter/?agreed={agreed.pk}").content.decode())
    first = clerk.post("/workbench/exchange/counter/", _counter_post(agreed, idempotency_key=key))
    second = clerk.post("/workbench/exchange/counter/", _counter_post(agreed, idempotency_key=key))
    assert first.status_code == second.status_code == 302
    crossing = Crossing.objects.get()
    assert first["Location"] == second["Location"] == f"/workbench/exchange/{crossing.ref}/"
    assert Application.objects.count() == 1
    assert Envelope.objects.filter(kind="application").count() == 1


def test_a_double_submit_of_the_joint_theme_makes_one_application(side):
    theme = side["theme"]
    client = _login(side["applicant"].user)
    url = f"/apply/exchange/joint/{theme.code}/"
    key = _key(client.get(url).content.decode())
    data = {"delivery_method": "pickup", "idempotency_key": key}
    first = client.post(url, {**data, **_files("material")})
    second = client.post(url, {**data, **_files("material")})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    app = Application.objects.get()
    assert app.subcases.count() == 2
    assert Envelope.objects.filter(kind="application").count() == 1
