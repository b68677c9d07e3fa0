"""A father files 新生儿出生 with four mistakes at once — a birth date in the future, the time
25:99, a man's ID number as the mother's, a phone that is no mobile number — and sees all
four at once: each beside its field, and a summary on top, focused, linking to each; what
he typed is kept. He fixes them and goes on to the materials."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.browser_support import signed_in
from tests.portal.birth_theme import make_birth_theme
from tests.themes.demo_forms import days_ago, make_demo_form, ric

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WRONG = {
    "birth_date": "2030-01-01",
    "birth_time": "25:99",
    "mother_id": ric(datetime.date(1991, 9, 9), "M"),
    "phone": "12345",
}
MESSAGES = {
    "birth_date": "「出生日期」：2030-01-01 晚于今天",
    "birth_time": "「出生时间（时:分）」：“25:99”不是有效时间",
    "mother_id": "「母亲身份证号」：该身份证号显示为男性，母亲的身份证号应为女性",
    "phone": "「联系电话」：",
}


def test_four_mistakes_show_four_messages_at_once_and_the_values_stay(page, live_server, applicant):
    theme = make_birth_theme()
    make_demo_form("newborn", theme=theme, conditional=False)
    signed_in(page, live_server, applicant.user)

    page.goto(page.base_url + "/apply/theme/newborn/")
    page.get_by_role("button", name="保存并下一步").click()
    page.wait_for_url(re.compile(r"/apply/draft/\d+/form/$"))

    # A father applying: his own data went to the father's fields, none to the mother's.
    expect(page.locator("#f-father_id")).to_have_value(applicant.person.id_number)
    expect(page.locator("#f-mother_id")).to_have_value("")

    page.locator("#f-baby_name").fill("王小宝")
    page.locator("#f-baby_sex").select_option("female")
    page.locator("#f-birth_place").fill("梁子湖区人民医院")
    page.locator("#f-birth_weight").fill("3250")
    page.locator("#f-mother_name").fill("李梅")
    page.locator("#f-hukou_follow").select_option("father")
    page.locator("#f-hukou_address").fill("梁子湖区太和镇太和大道1号")
    for key, value in WRONG.items():
        page.locator(f"#f-{key}").fill(value)
    page.get_by_role("button", name="保存并下一步").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("请修改以下4处内容后再提交")
    links = summary.get_by_role("link")
    expect(links).to_have_count(4)
    assert [links.nth(n).get_attribute("href") for n in range(4)] == [f"#f-{key}" for key in WRONG]
    expect(page.locator(".form-field__msg.is-error")).to_have_count(4)
    for key, value in WRONG.items():
        field = page.locator(f"#f-{key}")
        expect(field).to_have_value(value)
        expect(field).to_have_attribute("aria-invalid", "true")
        assert f"f-{key}-msg" in field.get_attribute("aria-describedby").split()
        expect(page.locator(f"#f-{key}-msg")).to_contain_text(MESSAGES[key])
    # Fields without a mistake keep what was typed and are not marked.
    expect(page.locator("#f-baby_name")).to_have_value("王小宝")
    expect(page.locator("#f-baby_sex")).to_have_value("female")
    expect(page.locator("#f-baby_name")).not_to_have_attribute("aria-invalid", "true")

    links.nth(2).click()
    expect(page).to_have_url(re.compile(r"#f-mother_id$"))

    page.locator("#f-birth_date").fill(days_ago(3))
    page.locator("#f-birth_time").fill("08:30")
    page.locator("#f-mother_id").fill(ric(datetime.date(1994, 3, 8), "F"))
    page.locator("#f-phone").fill("13912345678")
    page.get_by_role("button", name="保存并下一步").click()
    page.wait_for_url(re.compile(r"/apply/draft/\d+/materials/$"))
