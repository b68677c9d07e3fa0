"""Window staff (一窗受理) through the workbench pages: queue, detail, accept, 补正, refuse,
hand-over and the walk-in submission."""

from __future__ import annotations

import pytest

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import MaterialFactory
from tests.themes.factories import make_birth_theme
from yishi.cases.models import Application, CaseMaterial, SubCase
from yishi.cases.services import application_submit, subcase_request_supplement
from yishi.catalog.models import Material
from yishi.core.crypto import mask
from yishi.core.uploads import store_upload
from yishi.people.models import Person
from yishi.workbench.queries import checklist

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login_for_the_queue(client):
    response = client.get("/workbench/applications/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/workbench/applications/"


def test_a_reviewer_cannot_open_the_window_queue(client, chain):
    reviewer = StaffFactory(reviewer=True, department=chain["departments"]["a"])
    client.force_login(reviewer.user)
    response = client.get("/workbench/applications/")
    assert response.status_code == 403
    assert "此页面仅限窗口人员或管理员使用" in response.content.decode()


def test_window_staff_see_the_queue_with_masked_id_newest_first(client, chain, window, submitted):
    later = ApplicantFactory()
    second = application_submit(
        user=later.user, theme=chain["theme"], answers={}, form_data={"name": "李四"}
    )
    client.force_login(window.user)
    response = client.get("/workbench/applications/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(second.number) < html.index(submitted.number)
    assert mask(submitted.person.id_number) in html
    assert submitted.person.id_number not in html
    assert "链路测试一件事" in html
    assert f"{submitted.person.name[0]}**" in html
    assert submitted.person.name not in html
    assert submitted.applicant.get_username() not in html
    assert "暂未" not in html


def test_detail_shows_form_labels_and_the_completeness_checklist(client, chain, window, submitted):
    MaterialFactory(matter=chain["matters"]["a"], name="居民身份证", kind="id_card")
    MaterialFactory(
        matter=chain["matters"]["b"],
        name="居民户口簿",
        kind="household_register",
        source=Material.Source.LICENCE,
        licence_type="居民户口簿",
    )
    MaterialFactory(matter=chain["matters"]["d"], name="近期免冠照片", kind="photo")
    CaseMaterial.objects.create(
        application=submitted, kind="photo", name="近期免冠照片", source="upload"
    )
    client.force_login(window.user)
    response = client.get(f"/workbench/applications/{submitted.number}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<dt>申请人姓名</dt><dd>张三</dd>" in html
    assert '<tr data-state="missing">' in html
    assert '<tr data-state="exempt">' in html
    rows = {line.name: line.state for line in checklist(submitted)}
    # a line without a stored file is still missing; the e-licence line needs no paper
    assert rows == {"居民身份证": "missing", "居民户口簿": "exempt", "近期免冠照片": "missing"}
    assert 'data-action="accept"' in html
    assert "csrfmiddlewaretoken" in html


def test_accept_via_the_page_creates_subcases_and_records_the_first_owner(
    client, chain, window, submitted
):
    client.force_login(window.user)
    response = client.post(f"/workbench/applications/{submitted.number}/accept/", follow=True)
    assert response.status_code == 200
    assert f"申请 {submitted.number} 已受理" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.ACCEPTED
    assert submitted.first_owner_id == window.user.pk
    statuses = dict(submitted.subcases.values_list("matter__name", "status"))
    assert statuses == {
        "链路事项A": SubCase.Status.PENDING,
        "链路事项B": SubCase.Status.WAITING,
        "链路事项C": SubCase.Status.WAITING,
        "链路事项D": SubCase.Status.PENDING,
    }


def test_a_second_accept_shows_the_chinese_conflict_message_not_a_500(client, window, submitted):
    client.force_login(window.user)
    client.post(f"/workbench/applications/{submitted.number}/accept/")
    response = client.post(f"/workbench/applications/{submitted.number}/accept/")
    assert response.status_code == 409
    assert "申请当前状态为“已受理”，不能执行“受理”" in response.content.decode()
    assert SubCase.objects.filter(application=submitted).count() == 4


def test_supplement_via_the_page_lists_the_checked_lines_and_the_note(
    client, chain, window, submitted
):
    MaterialFactory(matter=chain["matters"]["a"], name="居民身份证", kind="id_card")
    client.force_login(window.user)
    response = client.post(
        f"/workbench/applications/{submitted.number}/supplement/",
        {"items": ["居民身份证"], "other": "申请表签名", "note": "请携带原件"},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUPPLEMENT_REQUESTED
    assert submitted.supplement_items == ["居民身份证", "申请表签名"]
    assert submitted.first_owner_id == window.user.pk
    html = client.get(f"/workbench/applications/{submitted.number}/").content.decode()
    assert "居民身份证；申请表签名" in html


def test_supplement_with_nothing_checked_is_refused_with_the_reason(client, window, submitted):
    client.force_login(window.user)
    response = client.post(f"/workbench/applications/{submitted.number}/supplement/", {})
    assert response.status_code == 422
    assert "请逐条写明需要补正的内容" in response.content.decode()
    assert "items：" not in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED


def test_refuse_needs_a_reason_and_then_ends_the_application(client, window, submitted):
    client.force_login(window.user)
    empty = client.post(f"/workbench/applications/{submitted.number}/refuse/", {"reason": " "})
    assert empty.status_code == 422
    assert "请填写不予受理的理由" in empty.content.decode()
    assert "reason：" not in empty.content.decode()
    response = client.post(
        f"/workbench/applications/{submitted.number}/refuse/", {"reason": "不属于本区管辖"}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.REFUSED
    assert submitted.reason == "不属于本区管辖"


def test_first_inquiry_is_handed_over_to_a_colleague(client, window, submitted):
    colleague = StaffFactory()
    client.force_login(window.user)
    client.post(f"/workbench/applications/{submitted.number}/accept/")
    response = client.post(
        f"/workbench/applications/{submitted.number}/handover/",
        {"to_staff": colleague.user.pk},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.first_owner_id == colleague.user.pk


def test_get_on_an_action_url_is_not_allowed(client, window, submitted):
    client.force_login(window.user)
    response = client.get(f"/workbench/applications/{submitted.number}/accept/")
    assert response.status_code == 405
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED


def test_walk_in_registers_the_person_and_submits_at_the_counter(client, chain, window):
    client.force_login(window.user)
    form = client.get(f"/workbench/applications/new/?theme={chain['theme'].code}")
    assert "申请人姓名" in form.content.decode()
    response = client.post(
        "/workbench/applications/new/",
        {
            "theme": chain["theme"].code,
            "name": "王五",
            "id_number": "420702199001011239",
            "phone": "",
            "f_name": "王五",
        },
    )
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/applications/{application.number}/"
    assert application.channel == Application.Channel.COUNTER
    assert application.created_by_id == window.user.pk
    assert application.first_owner_id == window.user.pk
    assert application.status == Application.Status.SUBMITTED
    assert application.person.name == "王五"
    assert Person.objects.count() == 1


def test_walk_in_with_a_bad_id_number_says_so(client, chain, window):
    client.force_login(window.user)
    response = client.post(
        "/workbench/applications/new/",
        {"theme": chain["theme"].code, "name": "王五", "id_number": "420702199001011230"},
    )
    assert response.status_code == 422
    assert "身份证" in response.content.decode()
    assert Application.objects.count() == 0


def test_a_stored_material_file_is_served_to_staff_only(
    client, chain, window, submitted, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    MaterialFactory(matter=chain["matters"]["a"], name="居民身份证", kind="id_card")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    stored = store_upload(name="身份证.pdf", data=pdf)
    material = CaseMaterial.objects.create(
        application=submitted,
        kind="id_card",
        name="居民身份证",
        stored_file=stored,
        source="upload",
    )
    client.force_login(window.user)
    html = client.get(f"/workbench/applications/{submitted.number}/").content.decode()
    assert f'href="/workbench/files/{material.pk}/"' in html
    assert '<tr data-state="submitted">' in html
    response = client.get(f"/workbench/files/{material.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf
    client.force_login(submitted.applicant)
    assert client.get(f"/workbench/files/{material.pk}/").status_code == 404


def test_the_timeline_shows_actions_in_chinese(client, window, submitted):
    client.force_login(window.user)
    client.post(f"/workbench/applications/{submitted.number}/accept/")
    html = client.get(f"/workbench/applications/{submitted.number}/").content.decode()
    assert f"{window.department.short_name or window.department.name}工作人员 · 受理" in html
    assert f"申请人{submitted.person.name[0]}** · 提交" in html
    assert " · submit" not in html
    assert window.user.username not in html
    assert submitted.applicant.get_username() not in html


def test_window_staff_record_a_returned_supplement_and_the_clock_runs_again(
    client, chain, window, submitted
):
    client.force_login(window.user)
    client.post(f"/workbench/applications/{submitted.number}/accept/")
    d = submitted.subcases.get(matter__name="链路事项D")
    subcase_request_supplement(
        subcase=d,
        reviewer=StaffFactory(reviewer=True, department=d.department).user,
        items=["照片不清晰"],
    )
    html = client.get(f"/workbench/applications/{submitted.number}/").content.decode()
    assert "待补正：照片不清晰" in html
    response = client.post(f"/workbench/applications/{submitted.number}/supplement_received/")
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == SubCase.Status.PENDING
    assert submitted.pauses.get().ended_on is not None
    again = client.post(f"/workbench/applications/{submitted.number}/supplement_received/")
    assert again.status_code == 409
    assert "该申请当前没有待补正的内容" in again.content.decode()


def test_walk_in_offers_the_themes_questions_and_choices(client, window):
    birth = make_birth_theme()
    client.force_login(window.user)
    html = client.get("/workbench/applications/new/?theme=xinshenger").content.decode()
    assert "是否在本区助产机构出生" in html
    assert '<option value="F">女</option>' in html
    response = client.post(
        "/workbench/applications/new/",
        {
            "theme": "xinshenger",
            "name": "赵六",
            "id_number": "420702199001011239",
            "q_born_here": "yes",
            "q_need_card": "no",
            "f_father_id": "420702199001011239",
            "f_applicant_name": "赵六",
            "f_mobile": "13800138000",
            "f_birth_date": "2026-11-20",
            "f_baby_sex": "F",
        },
    )
    assert response.status_code == 302
    application = Application.objects.get(theme=birth["theme"])
    assert application.answers == {"born_here": "yes", "need_card": "no"}
    assert application.form_data["baby_sex"] == "F"
    assert application.channel == Application.Channel.COUNTER


def test_the_queue_costs_the_same_queries_for_one_or_three_applications(
    client, chain, window, submitted, django_assert_max_num_queries
):
    client.force_login(window.user)
    with django_assert_max_num_queries(8):
        client.get("/workbench/applications/")
    for name in ("李四", "王五"):
        application_submit(
            user=ApplicantFactory().user, theme=chain["theme"], answers={}, form_data={"name": name}
        )
    with django_assert_max_num_queries(8):
        html = client.get("/workbench/applications/").content.decode()
    assert html.count("<tr>") == 4  # header + three rows


def test_walk_in_reads_the_id_card_photo_and_fills_name_and_number_without_submitting(
    client, chain, window
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yishi.core.ocr_samples import render_id_card, synthetic_people

    card = synthetic_people(1, seed=5)[0]
    client.force_login(window.user)
    response = client.post(
        "/workbench/applications/new/",
        {
            "theme": chain["theme"].code,
            "action": "recognise",
            "phone": "",
            "photo": SimpleUploadedFile("id.png", render_id_card(card), "image/png"),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200, html[:2000]
    assert "请与身份证原件核对" in html
    assert f'name="name" maxlength="50" required value="{card["name"]}"' in html
    assert f'value="{card["id_number"]}"' in html
    assert not Application.objects.exists()
