"""A parent applies online for 新生儿出生 in a real Chromium against the live server: log in,
answer the tailoring question, the one form, each material once, sign, submit; then the
tracking page shows the application as 已提交. In the whole journey window staff accept it
at the workbench, each department approves its sub-case in dependency order, and the parent
sees it 已办结 with every result."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.cases.factories import StaffFactory
from tests.core.upload_samples import pdf_bytes
from tests.people.accounts_support import PASSWORD, ApplicantAccountFactory
from tests.portal.birth_theme import make_birth_theme
from yishi.cases.models import Application, SubCase
from yishi.catalog.models import StaffProfile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_OVERFLOW = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def log_in_applicant(page, account, next_path: str) -> None:
    page.goto(page.base_url + next_path)
    page.wait_for_url(re.compile(r"/account/login/\?next="))
    page.get_by_label("手机号码").fill(account.phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def apply_for_newborn(page) -> str:
    """From the login to the tracking page; returns the application number."""
    expect(page.get_by_role("heading", level=1)).to_have_text("在线办理：新生儿出生")
    question = page.get_by_role("group", name="是否需要办理社会保障卡")
    expect(question.get_by_role("radio", name="是")).to_be_checked()
    page.get_by_role("button", name="保存并下一步").click()

    page.wait_for_url(re.compile(r"/apply/draft/\d+/form/$"))
    page.get_by_role("button", name="保存并下一步").click()

    page.wait_for_url(re.compile(r"/apply/draft/\d+/materials/$"))
    inputs = page.locator('input[type="file"]')
    count = inputs.count()
    assert count >= 3
    for n in range(count):
        inputs.nth(n).set_input_files(
            {"name": f"scan-{n}.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(str(n))}
        )
    expect(page.locator(".apply-material__exempt").first).to_contain_text("免提交")
    assert page.evaluate(NO_OVERFLOW)
    page.get_by_role("button", name="保存并下一步").click()

    page.wait_for_url(re.compile(r"/apply/draft/\d+/review/$"))
    assert page.evaluate(NO_OVERFLOW)
    page.get_by_label("本人承诺以上信息真实有效").check()
    page.get_by_role("button", name="提交申请").click()

    page.wait_for_url(re.compile(r"/apply/my/YS\d+/$"))
    expect(page.locator("#app-status")).to_have_text("已提交")
    return page.url.rstrip("/").rsplit("/", 1)[1]


def test_a_parent_applies_for_newborn_online_and_sees_it_submitted(page):
    make_birth_theme()
    account = ApplicantAccountFactory()
    page.set_viewport_size({"width": 375, "height": 800})
    log_in_applicant(page, account, "/apply/theme/newborn/")
    assert page.evaluate(NO_OVERFLOW)
    number = apply_for_newborn(page)

    app = Application.objects.get(number=number)
    assert app.status == Application.Status.SUBMITTED
    assert Application.objects.filter(applicant=account.user).count() == 1
    expect(page.locator("#timeline li")).to_have_count(1)
    expect(page.locator("#timeline")).to_contain_text("提交")
    assert page.evaluate(NO_OVERFLOW)

    page.goto(page.base_url + "/apply/my/")
    expect(page.locator(".apply-card", has_text=number)).to_contain_text("已提交")


def staff_context(browser, base_url: str, profile: StaffProfile, next_path: str):
    """A separate browser session of a staff member logged in through /admin/login/."""
    profile.user.set_password(PASSWORD)
    profile.user.save()
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    staff_page = context.new_page()
    staff_page.set_default_timeout(15_000)
    staff_page.goto(f"{base_url}/admin/login/?next={next_path}")
    staff_page.locator("#id_username").fill(profile.user.username)
    staff_page.locator("#id_password").fill(PASSWORD)
    staff_page.locator('input[type="submit"]').click()
    staff_page.wait_for_url(re.compile(re.escape(next_path) + "$"))
    return context, staff_page


def approve_at_workbench(browser, base_url: str, subcase: SubCase) -> None:
    reviewer = StaffFactory(reviewer=True, department=subcase.department)
    path = f"/workbench/subcases/{subcase.pk}/"
    context, staff_page = staff_context(browser, base_url, reviewer, path)
    staff_page.locator("#wb-result").fill(f"{subcase.matter.name}结果")
    staff_page.locator('button[data-action="approve"]').click()
    staff_page.wait_for_url(re.compile(re.escape(path) + "$"))
    context.close()


def test_newborn_from_application_to_completion_across_the_workbench(page, browser):
    make_birth_theme()
    account = ApplicantAccountFactory()
    log_in_applicant(page, account, "/apply/theme/newborn/")
    number = apply_for_newborn(page)

    window = StaffFactory()
    path = f"/workbench/applications/{number}/"
    context, window_page = staff_context(browser, page.base_url, window, path)
    window_page.locator('button[data-action="accept"]').click()
    window_page.wait_for_url(re.compile(re.escape(path) + "$"))
    context.close()

    app = Application.objects.get(number=number)
    assert app.status == Application.Status.ACCEPTED
    page.reload()
    expect(page.locator("#app-status")).to_have_text("已受理")
    expect(page.locator("#promised-due")).to_have_text(f"{app.promised_due:%Y-%m-%d}")

    approved = []
    while pending := list(app.subcases.filter(status=SubCase.Status.PENDING).order_by("order")):
        for subcase in pending:
            assert all(p.status == SubCase.Status.APPROVED for p in subcase.depends_on.all())
            approve_at_workbench(browser, page.base_url, subcase)
            approved.append(subcase.matter.name)
    assert approved == ["出生医学证明签发", "出生登记", "城乡居民医保参保登记", "社会保障卡申领"]

    page.reload()
    expect(page.locator("#app-status")).to_have_text("已办结")
    for name in approved:
        expect(page.locator("#subcases")).to_contain_text(f"办理结果：{name}结果")
    expect(page.locator("#messages")).to_contain_text("已全部办结")
