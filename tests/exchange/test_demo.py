from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.catalog.factories import MaterialFactory, MatterFactory
from yishi.exchange.demo import load_exchange_demo
from yishi.exchange.models import AgreedMatter, Partner


@pytest.mark.django_db
def test_demo_registers_the_partner_and_the_agreed_matters_idempotently():
    for code in ("GG00108000-420702-LZH-RS", "GG00171000-420702-LZH-RS"):
        MaterialFactory(matter=MatterFactory(code=code), name="居民身份证")
    assert load_exchange_demo() == {"跨域通办合作地区": 1, "跨域通办事项": 2}
    assert load_exchange_demo() == {"跨域通办合作地区": 1, "跨域通办事项": 2}
    partner = Partner.objects.get()
    assert (partner.code, partner.endpoint) == ("420115", "http://127.0.0.1:8001")
    decided = dict(AgreedMatter.objects.values_list("code", "decided_by"))
    assert decided == {"GG00108000": "partner", "GG00171000": "us"}
    assert AgreedMatter.objects.get(code="GG00108000").materials == ["居民身份证"]


@pytest.fixture
def demo_catalog(db, settings):
    from yishi.catalog.demo.loader import load_demo

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo(password="Demo-Passw0rd!")


def test_demo_loads_the_joint_theme_with_a_step_in_each_region(demo_catalog, settings, tmp_path):
    from django.test import Client

    from tests.cases.factories import ApplicantFactory
    from tests.core.upload_samples import png_bytes
    from yishi.cases.models import Application
    from yishi.exchange.demo import ARRIVE, JOINT_THEME, LEAVE
    from yishi.exchange.models import Crossing
    from yishi.exchange.queries import joint_offer
    from yishi.themes.models import Theme

    settings.MEDIA_ROOT = tmp_path / "media"
    first = load_exchange_demo()
    assert first["多地联办主题"] == 1
    assert load_exchange_demo() == first  # idempotent
    theme = Theme.objects.get(code=JOINT_THEME)
    assert theme.status == Theme.Status.PUBLISHED
    decided = dict(
        AgreedMatter.objects.filter(matter__code__in=[LEAVE, ARRIVE]).values_list(
            "matter__code", "decided_by"
        )
    )
    assert decided == {LEAVE: "partner", ARRIVE: "us"}
    offer = joint_offer(theme)
    assert offer is not None and offer["partner"].code == "420115"
    assert [a.matter.code for a in offer["theirs"]] == [LEAVE]
    assert [m.code for m in offer["ours"]] == [ARRIVE]
    # On the portal like every theme, applied for as one application.
    assert "户口迁移" in Client().get("/themes/").content.decode()
    page = Client().get(f"/themes/{JOINT_THEME}/").content.decode()
    assert f"/apply/exchange/joint/{JOINT_THEME}/" in page and "多地联办" in page
    resident = Client()
    resident.force_login(ApplicantFactory().user)
    url = f"/apply/exchange/joint/{JOINT_THEME}/"
    assert resident.get(url).status_code == 200
    files = {
        f"material.{n}": SimpleUploadedFile(f"m{n}.png", png_bytes(), content_type="image/png")
        for n in range(1, len(offer["materials"]) + 1)
    }
    response = resident.post(url, {"delivery_method": "online", **files})
    assert response.status_code == 302, response.content.decode()
    app = Application.objects.get(theme=theme)
    assert sorted(app.subcases.values_list("partner_region", flat=True)) == ["", "420115"]
    crossing = Crossing.objects.get(application=app)
    assert crossing.mode == "joint" and crossing.subcase.matter.code == LEAVE


def test_on_the_partner_instance_the_joint_steps_are_decided_the_other_way(demo_catalog, settings):
    from yishi.exchange.demo import ARRIVE, LEAVE

    settings.EXCHANGE_REGION = "420115"
    load_exchange_demo()
    partner = Partner.objects.get()
    assert partner.code == "420702"
    decided = dict(
        AgreedMatter.objects.filter(matter__code__in=[LEAVE, ARRIVE]).values_list(
            "matter__code", "decided_by"
        )
    )
    assert decided == {LEAVE: "us", ARRIVE: "partner"}
