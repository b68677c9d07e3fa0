"""一类事 packages: three modules give one notice, one form (a shared field asked once, the
stricter definition winning), one merged material set, and starting the package submits
through the existing services, seen in one tracking view."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.enterprise.support import FORM, package_world
from yishi.cases.models import Application
from yishi.core.errors import NotFound
from yishi.enterprise import packages, services
from yishi.enterprise.models import PackageRun, ServiceRequest
from yishi.policies.models import PolicyApplication
from yishi.themes.form_rules import FormInvalid

pytestmark = pytest.mark.django_db
FORM_ = FORM


@pytest.fixture
def w():
    return package_world()


def _three(w):
    return packages.chosen_modules(w.package, [w.m_theme.pk, w.m_matter.pk, w.m_policy.pk])


def test_recommended_modules_are_ticked_by_default_and_a_foreign_module_is_refused(w):
    assert packages.chosen_modules(w.package, None) == [w.m_theme, w.m_matter, w.m_policy]
    with pytest.raises(Exception, match="没有所选的模块"):
        packages.chosen_modules(w.package, [w.m_theme.pk, 999999])


def test_a_field_shared_by_two_modules_is_asked_once(w):
    fields = packages.package_form(_three(w))
    keys = [f.key for f in fields]
    assert len(keys) == len(set(keys))
    # Theme: 4 fields; policy: 8; shared: company_name, contact_phone, hired_count.
    assert packages.fields_separately(_three(w)) == 12
    assert len(fields) == 9
    shared = {f.key: f for f in fields if f.shared}
    assert set(shared) == {"company_name", "contact_phone", "hired_count"}
    assert shared["contact_phone"].modules == ["开办小店", w.policy.name]
    assert shared["contact_phone"].kind == "mobile"  # the stricter kind is the one shown


def test_the_stricter_definition_of_a_shared_field_wins(w):
    fields = packages.package_form(_three(w))
    held = packages.package_prefill(fields, person=w.agent.person, company=w.company)
    FORM = {**held, **FORM_}
    # The policy alone would take any text as the phone: the theme's mobile rule refuses it.
    with pytest.raises(FormInvalid) as failed:
        packages.validate_package_form(
            fields, {**FORM, "company_name": "x", "contact_phone": "12345", "hired_count": "2.5"}
        )
    by_field = failed.value.by_field
    assert "联系电话" in by_field["contact_phone"]
    assert "hired_count" in by_field
    # Required if any module requires it (the policy requires bank_account; the theme lacks it).
    with pytest.raises(FormInvalid) as missing:
        packages.validate_package_form(
            fields, {k: v for k, v in FORM.items() if k != "bank_account"} | {"company_name": "x"}
        )
    assert missing.value.by_field["bank_account"] == "「补贴拨付银行账号」：必须填写"
    cleaned = packages.validate_package_form(fields, {**FORM, "company_name": "x"})
    assert cleaned["contact_phone"] == "13800138000"
    assert cleaned["hired_count"] == 3


def test_the_material_set_merges_the_same_document_across_modules_strictest_first(w):
    lines = packages.package_materials(_three(w))
    by_kind = {line.kind: line for line in lines}
    # The licence: theme (copy, original), single matter (original and copy ×2), policy matter
    # (e-licence): one line, the strictest form and copies, every matter named, to bring.
    licence = by_kind["business_licence"]
    assert [line.kind for line in lines].count("business_licence") == 1
    assert licence.form == "原件和复印件"
    assert licence.copies == 2
    assert licence.matters == ["营业执照核验", "门店经营备案", "首次申领发票", w.matter.name]
    assert licence.to_bring
    # The policy's own online form is the form itself, not a material.
    assert "policy_application_form" not in by_kind
    assert set(by_kind) == {"business_licence", "premises", "hard_to_employ_insurance_record"}
    assert not by_kind["hard_to_employ_insurance_record"].to_bring  # shared by the department
    assert packages.materials_separately(_three(w)) == 6


def test_the_one_notice_lists_every_module_with_its_matters_and_the_companys_eligibility(w):
    notice = packages.package_notice(w.package, _three(w), company=w.company)
    assert [m.name for m in notice.modules] == ["开办小店", "首次申领发票", w.policy.name]
    assert [s.name for s in notice.modules[0].steps] == ["营业执照核验", "门店经营备案"]
    assert notice.modules[2].eligible is True
    assert len(notice.fields) == 9 and len(notice.materials) == 3


def test_starting_the_package_submits_each_module_through_its_own_service(w):
    run = services.package_start(
        package=w.package,
        user=w.agent.user,
        company=w.company,
        modules=[w.m_theme.pk, w.m_matter.pk, w.m_policy.pk, w.m_offer.pk],
        form_data=FORM,
    )
    items = {i.module_id: i for i in run.items.all()}
    theme_app = items[w.m_theme.pk].application
    assert theme_app.theme == w.theme and theme_app.company == w.company
    # The form asked once, given to the theme in its own fields (company name prefilled).
    assert theme_app.form_data == {
        "company_name": w.company.name,
        "contact_phone": "13800138000",
        "hired_count": 3,
        "premises": "太和镇示范街 1 号",
    }
    matter_app = items[w.m_matter.pk].application
    assert matter_app.matter == w.single and matter_app.theme is None
    pa = items[w.m_policy.pk].policy_application
    assert pa.policy == w.policy and pa.company == w.company
    assert pa.application.form_data["hired_count"] == 3
    assert pa.application.form_data["bank_account"] == "6222020200112233445"
    sr = items[w.m_offer.pk].service_request
    assert sr.offer == w.offer and sr.consents.count() == 0  # nothing shared yet
    assert Application.objects.filter(company=w.company).count() == 3
    assert PolicyApplication.objects.count() == 1 and ServiceRequest.objects.count() == 1


def test_a_failing_module_starts_nothing(w):
    # The policy refuses a second running application: the whole package rolls back.
    services.package_start(
        package=w.package,
        user=w.agent.user,
        company=w.company,
        modules=[w.m_policy.pk],
        form_data={k: v for k, v in FORM.items() if k != "premises"},
    )
    before = Application.objects.count()
    with pytest.raises(Exception, match="请勿重复申报"):
        services.package_start(
            package=w.package,
            user=w.agent.user,
            company=w.company,
            modules=[w.m_theme.pk, w.m_policy.pk],
            form_data=FORM,
        )
    assert Application.objects.count() == before
    assert PackageRun.objects.count() == 1


def test_another_company_cannot_be_started_for(w):
    with pytest.raises(NotFound):
        services.package_start(
            package=w.package,
            user=w.other_agent.user,
            company=w.company,
            modules=None,
            form_data=FORM,
        )
    assert PackageRun.objects.count() == 0


def test_the_tracking_view_shows_everything_the_package_started(w):
    run = services.package_start(
        package=w.package,
        user=w.agent.user,
        company=w.company,
        modules=[w.m_theme.pk, w.m_matter.pk, w.m_policy.pk, w.m_offer.pk],
        form_data=FORM,
    )
    client = Client()
    client.force_login(w.agent.user)
    page = client.get(f"/enterprise/runs/{run.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('data-track="') == 4
    for item in run.items.all():
        if item.application:
            assert item.application.number in text
    assert "开户预约" in text and "待共享企业信息" in text
    api = client.get(f"/api/v1/package-runs/{run.pk}")
    assert [i["kind"] for i in api.json()["items"]] == ["theme", "matter", "policy", "offer"]
    # Another company's agent: 404 on both.
    other = Client()
    other.force_login(w.other_agent.user)
    assert other.get(f"/enterprise/runs/{run.pk}/").status_code == 404
    assert other.get(f"/api/v1/package-runs/{run.pk}").status_code == 404


def test_the_package_page_shows_one_notice_form_and_material_set_and_starts(w):
    client = Client()
    client.force_login(w.agent.user)
    ticked = f"picked=1&module={w.m_theme.pk}&module={w.m_matter.pk}&module={w.m_policy.pk}"
    page = client.get(f"/enterprise/p/{w.package.code}/?{ticked}")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('data-field="contact_phone"') == 1
    assert text.count('data-material="business_licence"') == 1
    assert f'value="{w.company.name}"' in text  # prefilled from the registry
    data = {
        "picked": "1",
        "module": [w.m_theme.pk, w.m_matter.pk, w.m_policy.pk],
        "company": w.company.uscc,
        "company_name": w.company.name,
        **FORM,
        "contact_phone": "123",
    }
    bad = client.post(f"/enterprise/p/{w.package.code}/", data)
    assert bad.status_code == 400 and "联系电话" in bad.content.decode()
    assert PackageRun.objects.count() == 0
    good = client.post(f"/enterprise/p/{w.package.code}/", {**data, "contact_phone": "13800138000"})
    run = PackageRun.objects.get()
    assert good.status_code == 302 and good["Location"] == f"/enterprise/runs/{run.pk}/"
    assert run.items.count() == 3


def test_the_api_notice_and_start(w):
    client = Client()
    client.force_login(w.agent.user)
    notice = client.post(
        f"/api/v1/packages/{w.package.code}/notice",
        {"modules": [w.m_theme.pk, w.m_matter.pk, w.m_policy.pk]},
        content_type="application/json",
    ).json()
    assert len(notice["form"]) == 9 and len(notice["materials"]) == 3
    started = client.post(
        f"/api/v1/packages/{w.package.code}/runs",
        {"company": w.company.uscc, "modules": [w.m_matter.pk], "form_data": {}},
        content_type="application/json",
    )
    assert started.status_code == 201, started.content
    assert started.json()["items"][0]["kind"] == "matter"


def test_demo_packages_load_from_the_demo_catalog():
    from yishi.catalog.demo.loader import load_demo
    from yishi.enterprise.demo import load_enterprise_demo
    from yishi.enterprise.models import Package
    from yishi.policies.demo import policies_demo
    from yishi.themes.demo.loader import load_themes

    load_demo(password="x-demo-pass-1")
    load_themes()
    policies_demo()
    counts = load_enterprise_demo()
    again = load_enterprise_demo()
    assert counts == again
    assert Package.objects.count() >= 5
    for package in Package.objects.all():
        modules = list(package.modules.all())
        assert modules, package.name
        notice = packages.package_notice(package, modules)
        assert notice.modules
    restaurant = Package.objects.get(code="open-restaurant")
    assert {m.kind for m in restaurant.modules.all()} == {"theme", "matter", "offer"}


def test_demo_pages_render_without_codes():
    from yishi.catalog.demo.loader import load_demo
    from yishi.enterprise.demo import load_enterprise_demo
    from yishi.enterprise.models import Offer, Package
    from yishi.policies.demo import policies_demo
    from yishi.themes.demo.loader import load_themes

    load_demo(password="x-demo-pass-1")
    load_themes()
    policies_demo()
    load_enterprise_demo()
    client = Client()
    paths = ["/enterprise/", "/enterprise/zone/", "/enterprise/zone/?stage=close"]
    paths += [f"/enterprise/p/{p.code}/" for p in Package.objects.all()]
    paths += [f"/enterprise/zone/o/{o.code}/" for o in Offer.objects.all()]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        main = body.split("<main", 1)[-1].split("</main>", 1)[0]
        # No module kinds, stage or provider codes shown as words.
        for code in ("theme", "matter", "offer", "policy", "bank", "open", "close"):
            assert f">{code}<" not in main, (path, code)
    assert "示例" in client.get("/enterprise/zone/").content.decode()
