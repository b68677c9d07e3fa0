"""The resident's 全程网办 page (from the guide), the clerk's 异地代收代办 counter screen, a
decision on the ordinary sub-case page sent to the partner (domain events), and the
partner-decided sub-cases kept out of our reviewers' queues."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.core.upload_samples import pdf_bytes, png_bytes
from tests.exchange.support import THEM, scans
from yishi.cases import services as cases
from yishi.cases.models import Application, CaseMaterial, SubCase
from yishi.core.events import events_dispatch
from yishi.core.synthetic import make_ric
from yishi.exchange import services
from yishi.exchange.models import AgreedMatter, Crossing, Envelope
from yishi.people.models import ApplicantAccount, Person
from yishi.workbench import queries as wb_queries


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


# ---------------------------------------------------------------- 全程网办 by the resident


def test_the_guide_links_a_partners_matter_to_the_online_application(side):
    agreed = side["agreed"]["QR90002000-X-ONLINE"]
    html = Client().get(f"/matters/{agreed.matter.code}/").content.decode()
    assert "跨域通办" in html and "武汉市江夏区" in html
    assert f"/apply/exchange/{agreed.pk}/" in html
    # A matter we decide ourselves offers no cross-region application.
    ours = side["matters"]["QR90004000-X-ARRIVE"]
    assert "/apply/exchange/" not in Client().get(f"/matters/{ours.code}/").content.decode()


def test_a_resident_applies_online_and_follows_the_case_decided_there(side):
    agreed = side["agreed"]["QR90002000-X-ONLINE"]
    client = _login(side["applicant"].user)
    url = f"/apply/exchange/{agreed.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "居民身份证" in html and "申请表" in html and "窗口领取" in html
    response = client.post(
        url,
        {
            "delivery_method": "mail",
            "delivery_address": "鄂州市梁子湖区太和镇 1 号",
            **_files("material"),
        },
    )
    assert response.status_code == 302, response.content.decode()
    app = Application.objects.get(applicant=side["applicant"].user)
    assert response["Location"] == f"/apply/my/{app.number}/"
    crossing = Crossing.objects.get(application=app)
    assert crossing.mode == "online" and crossing.delivery_method == "mail"
    assert app.subcases.get().partner_region == THEM
    out = Envelope.objects.get(crossing=crossing, kind="application")
    assert {m["name"] for m in out.body["materials"]} == {"居民身份证", "申请表"}
    kept = app.materials.filter(source=CaseMaterial.Source.UPLOAD)
    assert kept.count() == 2 and all(m.stored_file_id for m in kept)
    detail = client.get(f"/apply/my/{app.number}/").content.decode()
    assert "由武汉市江夏区办理" in detail and "已移交办理地" in detail
    assert f"承诺办结 {crossing.promised_due:%Y-%m-%d}（按武汉市江夏区工作日历）" in detail
    assert app.number in client.get("/apply/my/").content.decode()


def test_the_online_page_says_beside_each_field_what_is_missing(side):
    agreed = side["agreed"]["QR90002000-X-ONLINE"]
    client = _login(side["applicant"].user)
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = client.post(
        f"/apply/exchange/{agreed.pk}/", {"delivery_method": "mail", "material.1": bad}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "请上传“申请表”" in html
    assert not Application.objects.exists()
    # Every file in order, but mail without an address: refused beside the address.
    response = client.post(
        f"/apply/exchange/{agreed.pk}/", {"delivery_method": "mail", **_files("material")}
    )
    assert response.status_code == 400
    assert "邮寄送达须填写地址" in response.content.decode()
    assert not Application.objects.exists()


def test_the_online_page_needs_an_agreement_for_online_handling(side):
    agreed = side["agreed"]["QR90002000-X-ONLINE"]
    AgreedMatter.objects.filter(pk=agreed.pk).update(modes=["proxy"])
    client = _login(side["applicant"].user)
    assert client.get(f"/apply/exchange/{agreed.pk}/").status_code == 404
    ours = side["agreed"]["QR90004000-X-ARRIVE"]  # decided here: nothing to hand over
    assert client.get(f"/apply/exchange/{ours.pk}/").status_code == 404
    anon = Client().get(f"/apply/exchange/{agreed.pk}/")
    assert anon.status_code == 302 and anon["Location"].startswith("/account/login/")


def test_online_handing_over_needs_every_unified_material_and_an_agreed_delivery(side):
    from yishi.core.errors import ValidationFailed

    kwargs = {
        "user": side["applicant"].user,
        "partner": side["partner"],
        "mode": "online",
        "matter": side["matters"]["QR90002000-X-ONLINE"],
    }
    with pytest.raises(ValidationFailed, match="申请表"):
        services.crossing_submit(**kwargs, materials=scans()[:1])
    with pytest.raises(ValidationFailed, match="送达方式"):
        services.crossing_submit(**kwargs, materials=scans(), delivery_method="online")
    assert not Application.objects.exists()


# ---------------------------------------------------------------- 异地代收代办 at the counter


def _counter_post(agreed, **overrides):
    data = {
        "agreed": str(agreed.pk),
        "name": "李四",
        "id_number": make_ric("420702", dt.date(1985, 3, 4), seq=77, sex="M"),
        "phone": "",
        "identity_checked": "yes",
        "checked.1": "yes",
        "checked.2": "yes",
        "delivery_method": "pickup",
        **_files("scan"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_clerk_receives_a_partners_matter_and_the_case_shows_in_the_list(side):
    agreed = side["agreed"]["QR90001000-X-PROXY"]
    clerk = _login(side["clerk"])
    page = clerk.get(f"/workbench/exchange/counter/?agreed={agreed.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "居民身份证" in html and "已核对原件" in html and "武汉市江夏区" in html
    data = _counter_post(agreed)
    response = clerk.post("/workbench/exchange/counter/", data)
    assert response.status_code == 302, response.content.decode()
    crossing = Crossing.objects.get()
    assert response["Location"] == f"/workbench/exchange/{crossing.ref}/"
    assert crossing.mode == "proxy" and crossing.role == Crossing.Role.RECEIVING
    app = crossing.application
    assert app.person.id_number == data["id_number"]  # registered in the people registry
    assert ApplicantAccount.objects.filter(person=app.person).exists()
    env = Envelope.objects.get(crossing=crossing, kind="application")
    assert env.body["checked_by"] == side["clerk"].get_username()
    detail = clerk.get(response["Location"]).content.decode()
    assert "窗口领取" in detail and "移交申请" in detail  # labels, never codes
    listing = clerk.get("/workbench/exchange/").content.decode()
    assert app.number in listing and "异地代收代办" in listing


def test_the_counter_finds_a_registered_person_by_id_number(side):
    agreed = side["agreed"]["QR90001000-X-PROXY"]
    person = side["applicant"].person
    clerk = _login(side["clerk"])
    data = _counter_post(agreed, id_number=person.id_number, name=person.name)
    assert clerk.post("/workbench/exchange/counter/", data).status_code == 302
    app = Application.objects.get()
    assert app.person_id == person.pk and app.applicant_id == side["applicant"].user_id


def test_counter_refusals_are_shown_beside_their_fields_and_change_nothing(side):
    agreed = side["agreed"]["QR90001000-X-PROXY"]
    clerk = _login(side["clerk"])
    people = Person.objects.count()
    data = _counter_post(agreed, identity_checked=None, **{"checked.2": None, "scan.1": None})
    response = clerk.post("/workbench/exchange/counter/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "请先核验申请人身份" in html
    assert "材料“申请表”尚未核对" in html
    assert "请扫描上传“居民身份证”" in html
    valid = _counter_post(agreed)["id_number"]
    wrong_check_digit = valid[:-1] + ("1" if valid[-1] == "0" else "0")
    response = clerk.post(
        "/workbench/exchange/counter/", _counter_post(agreed, id_number=wrong_check_digit)
    )
    assert response.status_code == 400
    assert 'id="x-id-msg" role="alert">' in response.content.decode()
    assert "校验位错误" in response.content.decode()
    response = clerk.post(
        "/workbench/exchange/counter/", _counter_post(agreed, delivery_method="online")
    )
    assert response.status_code == 400
    assert "约定的结果送达方式" in response.content.decode()
    assert not Application.objects.exists() and not Crossing.objects.exists()
    assert Person.objects.count() == people  # the refused identification left no one behind


def test_only_window_staff_use_the_counter(side):
    reviewer = _login(side["reviewers"]["QR90001000-X-PROXY"])
    assert reviewer.get("/workbench/exchange/counter/").status_code == 403
    agreed = side["agreed"]["QR90001000-X-PROXY"]
    response = reviewer.post("/workbench/exchange/counter/", _counter_post(agreed))
    assert response.status_code == 403
    assert not Application.objects.exists()
    applicant = _login(side["applicant"].user)
    assert applicant.get("/workbench/exchange/counter/").status_code == 403


def test_a_pdf_scan_is_accepted_too(side):
    agreed = side["agreed"]["QR90001000-X-PROXY"]
    clerk = _login(side["clerk"])
    scan = SimpleUploadedFile("id.pdf", pdf_bytes(), content_type="application/pdf")
    response = clerk.post("/workbench/exchange/counter/", _counter_post(agreed, **{"scan.1": scan}))
    assert response.status_code == 302


# ---------------------------------------------------------------- deciding on the sub-case page


def _handed_to_us(side) -> Crossing:
    """A case the partner handed to us (we decide QR90004000-X-ARRIVE)."""
    agreed = side["agreed"]["QR90004000-X-ARRIVE"]
    app = cases.application_submit(user=side["applicant"].user, matter=agreed.matter)
    app = cases.application_accept_auto(application=app, rule="exchange:test", note="移交")
    subcase = app.new_subcases[0]
    return Crossing.objects.create(
        partner=side["partner"],
        role=Crossing.Role.DECIDING,
        mode="proxy",
        agreed=agreed,
        application=app,
        subcase=subcase,
        status=Crossing.Status.ACCEPTED,
    )


@pytest.mark.parametrize("action", ["approve", "refuse"])
def test_a_decision_on_the_subcase_page_is_sent_to_the_partner_once(side, action):
    crossing = _handed_to_us(side)
    reviewer = _login(side["reviewers"]["QR90004000-X-ARRIVE"])
    data = {"result_name": "准予迁入"} if action == "approve" else {"reason": "材料不齐"}
    response = reviewer.post(f"/workbench/subcases/{crossing.subcase_id}/{action}/", data)
    assert response.status_code == 302
    events_dispatch(now=_later())
    events_dispatch(now=_later(hours=2))  # a second run sends nothing more
    crossing.refresh_from_db()
    kinds = list(
        Envelope.objects.filter(crossing=crossing, direction="out").values_list("kind", flat=True)
    )
    if action == "approve":
        assert sorted(kinds) == ["decision", "result"]
        assert crossing.status == Crossing.Status.RESULT and crossing.result["name"] == "准予迁入"
    else:
        assert kinds == ["decision"]
        assert crossing.status == Crossing.Status.REFUSED
    decision = Envelope.objects.get(crossing=crossing, kind="decision")
    outcome = "approved" if action == "approve" else "refused"
    assert decision.body["outcome"] == outcome and decision.body["case"] == str(crossing.ref)
    if action == "refuse":
        assert decision.body["reason"] == "材料不齐"


def test_a_decision_from_the_crossing_page_is_not_sent_twice_by_the_event(side):
    crossing = _handed_to_us(side)
    services.crossing_decide(
        crossing=crossing,
        reviewer=side["reviewers"]["QR90004000-X-ARRIVE"],
        approved=True,
        result_name="准予迁入",
    )
    events_dispatch(now=_later())
    assert Envelope.objects.filter(crossing=crossing, kind="decision").count() == 1
    assert Envelope.objects.filter(crossing=crossing, kind="result").count() == 1


def test_a_decision_on_an_ordinary_subcase_sends_nothing(side):
    agreed = side["agreed"]["QR90004000-X-ARRIVE"]
    app = cases.application_submit(user=side["applicant"].user, matter=agreed.matter)
    app = cases.application_accept_auto(application=app, rule="test", note="受理")
    cases.subcase_refuse(
        subcase=app.new_subcases[0],
        reviewer=side["reviewers"]["QR90004000-X-ARRIVE"],
        reason="不符合条件",
    )
    assert events_dispatch(now=_later())["failed"] == 0
    assert not Envelope.objects.exists()


def _later(hours: int = 1):
    from django.utils import timezone

    return timezone.now() + dt.timedelta(hours=hours)


# ---------------------------------------------------------------- reviewers' queues


def test_partner_decided_subcases_stay_out_of_our_reviewers_queue(side):
    matter = side["matters"]["QR90001000-X-PROXY"]
    reviewer = side["reviewers"]["QR90001000-X-PROXY"]
    theirs = services.crossing_submit(
        user=side["applicant"].user,
        partner=side["partner"],
        mode="proxy",
        matter=matter,
        materials=scans(),
        clerk=side["clerk"],
        identity_checked=True,
        checked_materials=["居民身份证", "申请表"],
    ).subcases.get()
    ours = cases.application_accept_auto(
        application=cases.application_submit(user=side["applicant"].user, matter=matter),
        rule="test",
        note="受理",
    ).new_subcases[0]
    department = matter.department_id
    queue = list(wb_queries.department_subcases(department))
    assert ours in queue and theirs not in queue
    counts = wb_queries.home_counts(reviewer)
    assert counts["department"] == 1
    page = _login(reviewer).get("/workbench/subcases/").content.decode()
    assert f"/workbench/subcases/{ours.pk}/" in page
    assert f"/workbench/subcases/{theirs.pk}/" not in page
    assert SubCase.objects.filter(department_id=department).count() == 2
