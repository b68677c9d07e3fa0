"""Worlds for the 企业一类事与增值服务 tests: a package of three modules (a company theme of
two matters, a single matter, the demo 即申即享 policy) over the policies' application world,
and a provider with an offer, one of its staff accounts and a second provider."""

from __future__ import annotations

from types import SimpleNamespace

from tests.cases.factories import UserFactory
from tests.catalog.factories import MaterialFactory, MatterFactory
from tests.policies.factories import application_world
from tests.themes.factories import ThemeFactory, ThemeFormFieldFactory, ThemeMatterFactory
from yishi.catalog.models import Material, Matter
from yishi.enterprise.models import Module, Offer, Package, Provider, ProviderAccount
from yishi.themes.models import ThemeFormField

K = ThemeFormField.Kind


def _company_matter(w, code: str, name: str) -> Matter:
    return MatterFactory(
        code=code,
        name=name,
        department=w.department,
        region=w.matter.region,
        audience=Matter.Audience.COMPANY,
    )


def package_world() -> SimpleNamespace:
    w = application_world()
    # The theme: two matters, each asking for the business licence (a copy, an original).
    w.theme = ThemeFactory(
        company=True, code="open-shop", name="开办小店", lead_department=w.department
    )
    m1 = _company_matter(w, "XK-TEST-1", "营业执照核验")
    m2 = _company_matter(w, "XK-TEST-2", "门店经营备案")
    MaterialFactory(matter=m1, name="营业执照", kind="business_licence", form=Material.Form.COPY)
    MaterialFactory(
        matter=m2, name="营业执照", kind="business_licence", form=Material.Form.ORIGINAL
    )
    MaterialFactory(matter=m2, name="经营场所证明", kind="premises", form=Material.Form.COPY)
    ThemeMatterFactory(theme=w.theme, matter=m1, order=1)
    ThemeMatterFactory(theme=w.theme, matter=m2, order=2)
    ThemeFormFieldFactory(
        theme=w.theme, key="company_name", label="企业名称", prefill="company.name", order=1
    )
    # Shared with the policy, which asks them as plain text and a whole number: the theme's
    # definitions are stricter (a mobile number; a count of people with a unit).
    ThemeFormFieldFactory(
        theme=w.theme, key="contact_phone", label="联系电话", kind=K.MOBILE, order=2
    )
    ThemeFormFieldFactory(
        theme=w.theme, key="hired_count", label="招用人数（人）", kind=K.NUMBER, order=3
    )
    ThemeFormFieldFactory(theme=w.theme, key="premises", label="经营场所", order=4)
    # The single matter: the licence again, original and copy, two copies.
    w.single = _company_matter(w, "QT-TEST-3", "首次申领发票")
    MaterialFactory(
        matter=w.single,
        name="营业执照",
        kind="business_licence",
        form=Material.Form.ORIGINAL_AND_COPY,
        copies=2,
    )
    w.package = Package.objects.create(
        code="open-test", name="开办测试企业一类事", stage="open", summary="测试用"
    )
    w.m_theme = Module.objects.create(package=w.package, kind="theme", theme=w.theme, order=1)
    w.m_matter = Module.objects.create(package=w.package, kind="matter", matter=w.single, order=2)
    w.m_policy = Module.objects.create(package=w.package, kind="policy", policy=w.policy, order=3)
    zone(w)
    w.m_offer = Module.objects.create(
        package=w.package, kind="offer", offer=w.offer, order=4, recommended=False
    )
    return w


def zone(w: SimpleNamespace) -> SimpleNamespace:
    """A provider with an offer and a staff account; another provider with its own."""
    w.provider = Provider.objects.create(code="p-bank", name="示例银行（示例）", kind="bank")
    w.offer = Offer.objects.create(
        provider=w.provider, code="p-bank-account", name="开户预约", summary="开户", stages=["open"]
    )
    w.provider_user = UserFactory()
    ProviderAccount.objects.create(user=w.provider_user, provider=w.provider, name="客户经理")
    w.rival = Provider.objects.create(code="p-law", name="示例律所（示例）", kind="law")
    w.rival_offer = Offer.objects.create(
        provider=w.rival, code="p-law-check", name="法律体检", summary="体检", stages=["operate"]
    )
    w.rival_user = UserFactory()
    ProviderAccount.objects.create(user=w.rival_user, provider=w.rival, name="律师")
    return w


FORM = {
    "contact_phone": "13800138000",
    "hired_count": "3",
    "premises": "太和镇示范街 1 号",
    "bank_account": "6222020200112233445",
}
