"""In Chromium: a clerk without a certificate sees the 持证上岗 warning, takes the 五级 exam
(single, multiple choice and true/false), hands it in, is scored, passes and gets the
certificate, which their certificate page then lists as valid. The pages fit 375 px.

YISHI_SCREENSHOTS=<dir> saves the pages at 1280 and 375 px."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_support import staff_log_in
from tests.cases.factories import StaffFactory
from tests.training.factories import ExamFactory
from yishi.training.models import Certificate
from yishi.training.services import guide_generate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, name: str) -> None:
    folder = os.environ.get("YISHI_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"]
        page.screenshot(path=f"{folder}/training_{name}_{width}.png", full_page=True)


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_a_clerk_takes_the_exam_passes_and_is_certified(page):
    clerk = StaffFactory()
    exam = ExamFactory(title="综合窗口办事员五级考核")
    questions = {q.kind: q for q in exam.questions.all()}
    page.set_viewport_size({"width": 1280, "height": 900})
    staff_log_in(page, clerk, "/workbench/training/")

    expect(page.locator("[data-cert-missing]")).to_contain_text("综合窗口实行持证上岗")
    shoot(page, "home")
    page.get_by_role("link", name="综合窗口办事员五级考核").click()
    expect(page.get_by_role("heading", name="综合窗口办事员五级考核")).to_be_visible()
    shoot(page, "exam")
    page.get_by_role("button", name="开始考试").click()
    page.wait_for_url(re.compile(r"/workbench/training/attempts/\d+/$"))

    single = questions["single"]
    page.locator(f'[data-question="{single.pk}"]').get_by_label(single.choices[0]).check()
    multiple = questions["multiple"]
    box = page.locator(f'[data-question="{multiple.pk}"]')
    for i in multiple.answer:
        box.get_by_label(multiple.choices[i]).check()
    judge = questions["true_false"]
    page.locator(f'[data-question="{judge.pk}"]').get_by_label("对").check()
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        fits(page, width)
        shoot(page, "attempt")
    page.get_by_role("button", name="交卷").click()

    expect(page.locator("[data-score]")).to_have_attribute("data-score", "100")
    expect(page.locator("[data-score]")).to_contain_text("合格")
    cert = Certificate.objects.get(user=clerk.user)
    expect(page.locator("[data-certificate]")).to_contain_text(cert.number)
    expect(page.locator("[data-certificate]")).to_contain_text("五级/初级工")
    fits(page, 375)
    shoot(page, "result")

    page.get_by_role("link", name="查看我的证书").click()
    row = page.locator("[data-list=certificates] tbody tr").first
    expect(row).to_have_attribute("data-state", "valid")
    expect(row).to_contain_text(cert.number)
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        fits(page, width)
        shoot(page, "certificates")
    page.goto(page.base_url + "/workbench/training/")
    expect(page.locator("[data-cert-missing]")).to_have_count(0)


def test_the_assessment_and_guide_pages_fit_a_phone(page):
    from tests.catalog.factories import MaterialFactory, MatterFactory

    clerk = StaffFactory()
    matter = MatterFactory(name="食品经营许可", status="published")
    MaterialFactory(matter=matter, name="食品经营许可申请书")
    guide = guide_generate(matter=matter)
    staff_log_in(page, clerk, "/workbench/training/assessment/")
    for path, name in (
        ("/workbench/training/assessment/", "assessment"),
        (f"/workbench/training/guides/{guide.pk}/", "guide"),
        ("/workbench/training/guides/", "guides"),
    ):
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(page.base_url + path)
            fits(page, width)
            shoot(page, name)
    expect(page.locator("[data-list=guides]")).to_contain_text("食品经营许可")
