"""The online application pages: answers → one prefilled form → materials once → review and
sign → submit under an Idempotency-Key; the tracking page with its timeline."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import DepartmentFactory, MaterialFactory, MatterFactory
from tests.core.upload_samples import pdf_bytes
from tests.people.factories import CompanyAgentFactory, CompanyFactory
from tests.themes.factories import (
    ThemeFactory,
    ThemeFormFieldFactory,
    ThemeMatterFactory,
    ThemeQuestionFactory,
)
from yishi.cases.models import Application, CaseEvent, CaseMaterial, Message
from yishi.cases.services import application_accept, application_request_supplement
from yishi.catalog.models import Material
from yishi.core.models import StoredFile
from yishi.themes.models import Theme, ThemeFormField

pytestmark = pytest.mark.django_db

BACKEND = "yishi.people.auth.PhonePasswordBackend"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make_small_theme():
    """Two matters: A needs 户口簿 (upload) and 结婚证 (电子证照); B (if wanted) needs 户口簿
    again and 照片. One form: 申请人姓名 and 身份证号 (prefilled) and 联系地址."""
    a = MatterFactory(name="测试事项甲", department=DepartmentFactory(name="梁子湖区甲局"))
    b = MatterFactory(name="测试事项乙", department=DepartmentFactory(name="梁子湖区乙局"))
    MaterialFactory(matter=a, order=1, name="居民户口簿", kind="household")
    MaterialFactory(
        matter=a,
        order=2,
        name="结婚证",
        kind="marriage",
        source=Material.Source.LICENCE,
        licence_type="结婚证",
    )
    MaterialFactory(matter=b, order=1, name="居民户口簿", kind="household")
    MaterialFactory(matter=b, order=2, name="近期免冠照片", kind="photo")
    theme = ThemeFactory(code="small", name="小测试一件事")
    ThemeQuestionFactory(theme=theme, code="want_b", text="是否办理乙", default="yes", order=1)
    first = ThemeMatterFactory(theme=theme, matter=a, order=1)
    ThemeMatterFactory(
        theme=theme,
        matter=b,
        order=2,
        depends_on=[first],
        condition={"all": [{"q": "want_b", "in": ["yes"]}]},
    )
    ThemeFormFieldFactory(
        theme=theme, key="name", label="申请人姓名", prefill="person.name", order=1
    )
    ThemeFormFieldFactory(
        theme=theme,
        key="id_number",
        label="申请人身份证号",
        kind=ThemeFormField.Kind.ID_NUMBER,
        prefill="person.id_number",
        order=2,
    )
    ThemeFormFieldFactory(theme=theme, key="address", label="联系地址", order=3)
    return theme


def _msg(html: str, field: str) -> str:
    match = re.search(rf'id="f-{re.escape(field)}-msg"[^>]*>([^<]*)<', html)
    return match.group(1) if match else ""


def _logged_in(client):
    account = ApplicantFactory()
    client.force_login(account.user, backend=BACKEND)
    return account


def _to_materials(client, theme) -> int:
    response = client.post(f"/apply/theme/{theme.code}/", {"want_b": "yes"})
    draft_id = int(re.search(r"/apply/draft/(\d+)/form/", response["Location"]).group(1))
    person = Application.objects.get(pk=draft_id).person
    client.post(
        f"/apply/draft/{draft_id}/form/",
        {"name": person.name, "id_number": person.id_number, "address": "梁子湖区太和镇1号"},
    )
    return draft_id


def _upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_applying_needs_a_login(client):
    theme = make_small_theme()
    response = client.get(f"/apply/theme/{theme.code}/")
    assert response.status_code == 302
    assert response["Location"] == f"/account/login/?next=/apply/theme/{theme.code}/"


def test_the_whole_apply_flow_creates_exactly_one_application(client):
    theme = make_small_theme()
    account = _logged_in(client)

    page = client.get(f"/apply/theme/{theme.code}/")
    assert "是否办理乙" in page.content.decode()
    response = client.post(f"/apply/theme/{theme.code}/", {"want_b": "yes"})
    draft = Application.objects.get(applicant=account.user, status=Application.Status.DRAFT)
    assert response["Location"] == f"/apply/draft/{draft.pk}/form/"
    assert draft.answers == {"want_b": "yes"}

    form_html = client.get(f"/apply/draft/{draft.pk}/form/").content.decode()
    assert f'value="{account.person.name}"' in form_html
    assert f'value="{account.person.id_number}"' in form_html

    bad = client.post(
        f"/apply/draft/{draft.pk}/form/",
        {"name": account.person.name, "id_number": "420702199001011235", "address": "太和镇"},
    )
    assert bad.status_code == 400
    assert _msg(bad.content.decode(), "id_number").startswith("「申请人身份证号」：")
    draft.refresh_from_db()
    assert draft.form_data["id_number"] == "420702199001011235"  # the draft keeps the input

    ok = client.post(
        f"/apply/draft/{draft.pk}/form/",
        {"name": account.person.name, "id_number": account.person.id_number, "address": "太和镇"},
    )
    assert ok["Location"] == f"/apply/draft/{draft.pk}/materials/"

    materials_html = client.get(f"/apply/draft/{draft.pk}/materials/").content.decode()
    assert materials_html.count('type="file"') == 2  # 户口簿 once, 照片; 结婚证 exempt
    assert "免提交" in materials_html
    assert 'accept=".pdf,.jpg,.jpeg,.png"' in materials_html

    stored_before = StoredFile.objects.count()
    refused = client.post(
        f"/apply/draft/{draft.pk}/materials/",
        {"action": "upload", "material.photo": _upload("photo.pdf", EXE)},
    )
    assert refused.status_code == 400
    assert "PDF" in _msg(refused.content.decode(), "material.photo")
    assert StoredFile.objects.count() == stored_before
    assert CaseMaterial.objects.filter(application=draft).count() == 0

    missing = client.post(f"/apply/draft/{draft.pk}/materials/", {"action": "next"})
    assert missing.status_code == 400
    assert _msg(missing.content.decode(), "material.household") == "「居民户口簿」：请上传该材料"

    uploaded = client.post(
        f"/apply/draft/{draft.pk}/materials/",
        {
            "action": "next",
            "material.household": _upload("户口簿.pdf", pdf_bytes("household")),
            "material.photo": _upload("photo.pdf", pdf_bytes("photo")),
        },
    )
    assert uploaded["Location"] == f"/apply/draft/{draft.pk}/review/"
    assert sorted(draft.materials.values_list("kind", flat=True)) == ["household", "photo"]

    review = client.get(f"/apply/draft/{draft.pk}/review/").content.decode()
    assert "本人承诺以上信息真实有效" in review
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', review).group(1)

    unsigned = client.post(f"/apply/draft/{draft.pk}/review/", {"idempotency_key": key})
    assert unsigned.status_code == 400
    assert Application.objects.exclude(status=Application.Status.DRAFT).count() == 0

    form = {"idempotency_key": key, "pledge": "yes"}
    first = client.post(f"/apply/draft/{draft.pk}/review/", form)
    second = client.post(f"/apply/draft/{draft.pk}/review/", form)
    submitted = Application.objects.get(applicant=account.user)
    assert submitted.status == Application.Status.SUBMITTED
    assert first["Location"] == second["Location"] == f"/apply/my/{submitted.number}/"
    assert submitted.form_data == {
        "name": account.person.name,
        "id_number": account.person.id_number,
        "address": "太和镇",
    }
    assert sorted(submitted.materials.values_list("kind", flat=True)) == ["household", "photo"]
    note = CaseEvent.objects.get(application=submitted, action="submit").note
    assert re.fullmatch(r"申请人承诺以上信息真实有效并电子签名，SM3 [0-9a-f]{64}", note)


def test_my_applications_lists_a_draft_with_continue(client):
    theme = make_small_theme()
    _logged_in(client)
    draft_id = _to_materials(client, theme)
    html = client.get("/apply/my/").content.decode()
    assert "继续填写" in html
    assert f"/apply/draft/{draft_id}/form/" in html


def _submitted(client, theme) -> Application:
    draft_id = _to_materials(client, theme)
    client.post(
        f"/apply/draft/{draft_id}/materials/",
        {
            "action": "next",
            "material.household": _upload("h.pdf", pdf_bytes("h")),
            "material.photo": _upload("p.pdf", pdf_bytes("p")),
        },
    )
    client.post(f"/apply/draft/{draft_id}/review/", {"idempotency_key": "k-1", "pledge": "yes"})
    return Application.objects.exclude(status=Application.Status.DRAFT).get()


def test_the_tracking_page_shows_the_timeline_and_the_expected_completion_date(client):
    theme = make_small_theme()
    _logged_in(client)
    app = _submitted(client, theme)
    window = StaffFactory()
    application_accept(application=app, staff=window.user)
    app.refresh_from_db()

    html = client.get(f"/apply/my/{app.number}/").content.decode()
    assert f'<dd id="promised-due">{app.promised_due:%Y-%m-%d}</dd>' in html
    timeline = html.split('id="timeline"')[1].split("</ol>")[0]
    assert timeline.index("提交") < timeline.index("受理") < timeline.index("开始办理")
    assert "测试事项甲" in html and "测试事项乙" in html
    assert "已受理" in html
    listing = client.get("/apply/my/").content.decode()
    assert app.number in listing and "正常" in listing


def test_the_applicant_marks_messages_read(client):
    theme = make_small_theme()
    account = _logged_in(client)
    app = _submitted(client, theme)
    assert Message.objects.filter(user=account.user, read_at__isnull=True).count() == 1
    client.post(f"/apply/my/{app.number}/", {"action": "read"})
    assert Message.objects.filter(user=account.user, read_at__isnull=True).count() == 0


def test_a_supplement_is_uploaded_and_provided_from_the_tracking_page(client):
    theme = make_small_theme()
    _logged_in(client)
    app = _submitted(client, theme)
    window = StaffFactory()
    application_request_supplement(application=app, staff=window.user, items=["户口簿页不清晰"])
    html = client.get(f"/apply/my/{app.number}/").content.decode()
    assert "户口簿页不清晰" in html and "提交补正" in html

    refused = client.post(
        f"/apply/my/{app.number}/",
        {"action": "supplement", "supplement.1": _upload("scan.pdf", EXE)},
    )
    assert refused.status_code == 400
    app.refresh_from_db()
    assert app.status == Application.Status.SUPPLEMENT_REQUESTED

    client.post(
        f"/apply/my/{app.number}/",
        {"action": "supplement", "supplement.1": _upload("scan.pdf", pdf_bytes("again"))},
    )
    app.refresh_from_db()
    assert app.status == Application.Status.SUBMITTED
    assert app.materials.filter(name="补正材料：户口簿页不清晰").count() == 1


def test_another_applicants_application_is_not_found(client):
    theme = make_small_theme()
    _logged_in(client)
    app = _submitted(client, theme)
    other = ApplicantFactory()
    client.force_login(other.user, backend=BACKEND)
    assert client.get(f"/apply/my/{app.number}/").status_code == 404
    assert client.get("/apply/draft/999999/form/").status_code == 404


def test_a_single_matter_is_applied_for_with_its_own_materials(client):
    matter = MatterFactory(name="测试单事项")
    MaterialFactory(matter=matter, order=1, name="申请书", kind="letter")
    MaterialFactory(
        matter=matter, order=2, name="营业执照", kind="licence", source=Material.Source.LICENCE
    )
    account = _logged_in(client)
    assert "测试单事项" in client.get(f"/apply/matter/{matter.code}/").content.decode()
    response = client.post(f"/apply/matter/{matter.code}/")
    draft = Application.objects.get(applicant=account.user, status=Application.Status.DRAFT)
    assert response["Location"] == f"/apply/draft/{draft.pk}/materials/"
    html = client.get(f"/apply/draft/{draft.pk}/materials/").content.decode()
    assert html.count('type="file"') == 1
    client.post(
        f"/apply/draft/{draft.pk}/materials/",
        {"action": "next", "material.letter": _upload("letter.pdf", pdf_bytes("letter"))},
    )
    client.post(f"/apply/draft/{draft.pk}/review/", {"idempotency_key": "m-1", "pledge": "yes"})
    app = Application.objects.get(applicant=account.user)
    assert (app.matter, app.theme, app.status) == (matter, None, Application.Status.SUBMITTED)
    assert list(app.materials.values_list("kind", flat=True)) == ["letter"]


def test_a_company_theme_asks_for_the_company_the_applicant_acts_for(client):
    theme = ThemeFactory(code="firm", name="企业测试一件事", audience=Theme.Audience.COMPANY)
    ThemeMatterFactory(theme=theme, matter=MatterFactory(name="企业事项"), order=1)
    ThemeFormFieldFactory(
        theme=theme, key="company_name", label="企业名称", prefill="company.name", order=1
    )
    account = _logged_in(client)
    mine, other = CompanyFactory(), CompanyFactory()
    CompanyAgentFactory(company=mine, person=account.person, scopes=["apply"], verified=True)
    CompanyAgentFactory(company=other, person=account.person, scopes=["benefits"], verified=True)
    response = client.post(f"/apply/theme/{theme.code}/", {})
    draft = Application.objects.get(applicant=account.user)
    html = client.get(response["Location"]).content.decode()
    assert f'<option value="{mine.pk}"' in html and f'value="{other.pk}"' not in html

    missing = client.post(f"/apply/draft/{draft.pk}/form/", {"company_name": mine.name})
    assert _msg(missing.content.decode(), "company") == "请选择申请企业"
    done = client.post(
        f"/apply/draft/{draft.pk}/form/", {"company": str(mine.pk), "company_name": mine.name}
    )
    assert done["Location"] == f"/apply/draft/{draft.pk}/materials/"
    draft.refresh_from_db()
    assert draft.company == mine
