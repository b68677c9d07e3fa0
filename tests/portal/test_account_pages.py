"""Account pages: register, log in and out, my account, the companies I act for."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import expect

from tests.people.accounts_support import PASSWORD, ApplicantAccountFactory, last_code
from tests.people.factories import CompanyAgentFactory
from yishi.core.synthetic import make_ric, make_uscc
from yishi.people.models import ApplicantAccount, Company, CompanyAgent, Person

PHONE = "13907110021"
NEW_PASSWORD = "Liangzi-hu-7788"


def _msg(html: str, field: str) -> str:
    """The text of the message element beside a field."""
    match = re.search(rf'id="f-{field}-msg"[^>]*>([^<]*)</p>', html)
    assert match, f"no message element for {field}"
    return match.group(1)


def _register_form(**overrides: str) -> dict[str, str]:
    return {
        "name": "杨洋",
        "id_number": make_ric(seq=61),
        "phone": PHONE,
        "sms_code": "",
        "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "action": "register",
    } | overrides


@pytest.mark.django_db
def test_register_page_has_the_fields_and_a_csrf_token(client):
    response = client.get("/account/register/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in html
    for label in ("姓名", "居民身份证号", "手机号码", "短信验证码", "设置密码", "再次输入密码"):
        assert f">{label} <span" in html or f">{label}<" in html
    assert 'value="send_code"' in html and ">获取验证码<" in html


@pytest.mark.django_db
def test_a_bad_id_number_shows_the_message_beside_the_field_and_writes_nothing(client):
    number = make_ric(seq=62)
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    response = client.post("/account/register/", _register_form(id_number=bad, sms_code="123456"))
    assert response.status_code == 422
    html = response.content.decode()
    assert _msg(html, "id_number") == "居民身份证号校验位错误"
    assert 'aria-invalid="true"' in html
    assert (Person.objects.count(), User.objects.count(), ApplicantAccount.objects.count()) == (
        0,
        0,
        0,
    )


@pytest.mark.django_db
def test_mismatched_passwords_are_shown_beside_the_second_password(client):
    response = client.post("/account/register/", _register_form(password2="something-else"))
    assert _msg(response.content.decode(), "password2") == "两次输入的密码不一致"
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_registering_through_the_pages_logs_the_applicant_in(client):
    number = make_ric(seq=63)
    sent = client.post(
        "/account/register/",
        _register_form(id_number=number, action="send_code", password="", password2=""),
    )
    html = sent.content.decode()
    assert _msg(html, "sms_code") == "验证码已发送至 139****0021，5分钟内有效。"
    assert f'value="{number}"' in html  # the form keeps what was typed

    response = client.post(
        "/account/register/", _register_form(id_number=number, sms_code=last_code(PHONE))
    )
    assert response.status_code == 302 and response["Location"] == "/account/"
    account = ApplicantAccount.objects.get()
    assert int(client.session["_auth_user_id"]) == account.user.pk

    page = client.get("/account/").content.decode()
    assert "杨洋" in page
    assert f"4207**********{number[-4:]}" in page and "139****0021" in page
    assert number not in page and PHONE not in page


@pytest.mark.django_db
def test_a_resend_within_60_seconds_is_shown_beside_the_phone(client):
    form = _register_form(action="send_code")
    client.post("/account/register/", form)
    response = client.post("/account/register/", form)
    assert _msg(response.content.decode(), "phone").startswith("验证码发送过于频繁，请")


@pytest.mark.django_db
def test_password_login_and_logout(client):
    ApplicantAccountFactory(person__phone=PHONE)
    response = client.post(
        "/account/login/",
        {"phone": PHONE, "password": PASSWORD, "action": "password", "next": "/account/companies/"},
    )
    assert response.status_code == 302 and response["Location"] == "/account/companies/"
    assert client.get("/account/").status_code == 200

    assert client.get("/account/logout/").status_code == 405
    response = client.post("/account/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_never_redirects_to_another_site(client):
    ApplicantAccountFactory(person__phone=PHONE)
    response = client.post(
        "/account/login/",
        {
            "phone": PHONE,
            "password": PASSWORD,
            "action": "password",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/account/"


@pytest.mark.django_db
def test_sms_login_through_the_page(client):
    account = ApplicantAccountFactory(person__phone=PHONE)
    sent = client.post("/account/login/", {"phone": PHONE, "action": "send_code"})
    assert _msg(sent.content.decode(), "sms_code") == "验证码已发送至 139****0021，5分钟内有效。"
    response = client.post(
        "/account/login/", {"phone": PHONE, "sms_code": last_code(PHONE), "action": "sms"}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == account.user.pk


@pytest.mark.django_db
def test_a_wrong_password_is_shown_beside_the_password_and_five_lock_the_phone(client):
    ApplicantAccountFactory(person__phone=PHONE)
    for _ in range(5):
        response = client.post(
            "/account/login/", {"phone": PHONE, "password": "wrong-one", "action": "password"}
        )
        assert _msg(response.content.decode(), "password") == "手机号码或密码不正确"
    response = client.post(
        "/account/login/", {"phone": PHONE, "password": PASSWORD, "action": "password"}
    )
    assert _msg(response.content.decode(), "phone") == (
        "该手机号码密码登录失败已达5次，请15分钟后再试，或使用短信验证码登录"
    )
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_with_the_password_locked_the_holder_still_logs_in_by_sms_code(client):
    account = ApplicantAccountFactory(person__phone=PHONE)
    for _ in range(6):
        client.post("/account/login/", {"phone": PHONE, "password": "wrong", "action": "password"})
    client.post("/account/login/", {"phone": PHONE, "action": "send_code"})
    response = client.post(
        "/account/login/", {"phone": PHONE, "sms_code": last_code(PHONE), "action": "sms"}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == account.user.pk


@pytest.mark.django_db
def test_a_bad_phone_on_the_login_page_is_a_message_not_a_500(client):
    response = client.post(
        "/account/login/", {"phone": "12", "password": "x", "action": "password"}
    )
    assert response.status_code == 422
    assert _msg(response.content.decode(), "phone") == "手机号码应为11位，实际为2位"


@pytest.mark.django_db
def test_my_account_needs_a_login(client):
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=/account/"


@pytest.mark.django_db
def test_my_account_lists_only_the_companies_i_may_act_for(client):
    account = ApplicantAccountFactory(person__phone=PHONE)
    mine = CompanyAgentFactory(
        person=account.person, company__name="甲公司", legal_rep=True, verified=True
    ).company
    CompanyAgentFactory(person=account.person, company__name="乙公司", legal_rep=True)
    CompanyAgentFactory(
        person=account.person, company__name="丙公司", legal_rep=True, verified=True, revoked=True
    )
    client.force_login(account.user, backend="yishi.people.auth.PhonePasswordBackend")
    html = client.get("/account/").content.decode()
    assert "甲公司" in html and mine.uscc in html and "已核验" in html
    assert "乙公司" not in html and "丙公司" not in html


@pytest.mark.django_db
def test_forms_refuse_a_post_without_the_csrf_token():
    ApplicantAccountFactory(person__phone=PHONE)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/account/login/", {"phone": PHONE, "password": PASSWORD, "action": "password"}
    )
    assert response.status_code == 403
    assert client.post("/account/register/", _register_form()).status_code == 403


@pytest.mark.django_db
def test_declaring_a_company_with_a_bad_credit_code_shows_the_message(client):
    account = ApplicantAccountFactory()
    client.force_login(account.user, backend="yishi.people.auth.PhonePasswordBackend")
    code = make_uscc(seq=601)
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = client.post(
        "/account/companies/", {"uscc": bad, "company_name": "某公司", "role": "legal_rep"}
    )
    assert response.status_code == 422
    assert _msg(response.content.decode(), "uscc") == "统一社会信用代码校验位错误"
    assert (Company.objects.count(), CompanyAgent.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_declaring_a_company_records_a_claim_pending_at_the_window(client):
    account = ApplicantAccountFactory()
    client.force_login(account.user, backend="yishi.people.auth.PhonePasswordBackend")
    code = make_uscc(seq=602)
    response = client.post(
        "/account/companies/",
        {
            "uscc": code,
            "company_name": "梁子湖区鲜鱼合作社",
            "role": "agent",
            "scopes": ["apply", "credit"],
            "authorised_until": "2099-12-31",
            "note": "授权书 2026-001",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/account/companies/?added=1"
    agent = CompanyAgent.objects.get()
    assert (agent.company.uscc, agent.role, agent.verified_at) == (code, "agent", None)
    assert agent.scopes == ["apply", "credit"]
    html = client.get(response["Location"]).content.decode()
    assert "已添加企业授权" in html and "梁子湖区鲜鱼合作社" in html
    assert ">待窗口核验</span>" in html and "授权范围：办理业务、信用与承诺" in html


@pytest.mark.django_db
def test_an_agent_without_an_end_date_is_told_beside_the_date(client):
    account = ApplicantAccountFactory()
    client.force_login(account.user, backend="yishi.people.auth.PhonePasswordBackend")
    response = client.post(
        "/account/companies/",
        {"uscc": make_uscc(seq=603), "company_name": "某公司", "role": "agent", "scopes": "apply"},
    )
    assert _msg(response.content.decode(), "authorised_until") == "经办人(代理人)须填写授权截止日期"
    assert Company.objects.count() == 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_register_journey_on_a_375_px_phone(page):
    page.set_viewport_size({"width": 375, "height": 740})
    number = make_ric(seq=64)
    page.goto(page.base_url + "/account/register/")
    page.get_by_label("姓名").fill("杨洋")
    page.get_by_label("居民身份证号").fill(number)
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("#f-sms_code-msg")).to_have_text(
        "验证码已发送至 139****0021，5分钟内有效。"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_label("短信验证码").fill(last_code(PHONE))
    page.get_by_label("设置密码").fill(NEW_PASSWORD)
    page.get_by_label("再次输入密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="注册", exact=True).click()
    page.wait_for_url(re.compile(r"/account/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("我的账号")
    expect(page.locator("main")).to_contain_text(f"4207**********{number[-4:]}")
    assert number not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(page.base_url + "/")
    page.goto(page.base_url + "/account/login/")
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_label(re.compile(r"^密码")).fill("wrong-password")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("#f-password-msg")).to_have_text("手机号码或密码不正确")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


@pytest.mark.django_db
def test_a_forgotten_password_is_reset_through_the_page(client):
    ApplicantAccountFactory(person__phone=PHONE)
    assert "忘记密码" in client.get("/account/login/").content.decode()
    sent = client.post("/account/reset/", {"phone": PHONE, "action": "send_code"})
    assert _msg(sent.content.decode(), "sms_code") == "验证码已发送至 139****0021，5分钟内有效。"
    response = client.post(
        "/account/reset/",
        {
            "phone": PHONE,
            "sms_code": last_code(PHONE),
            "password": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "action": "reset",
        },
    )
    assert response["Location"] == "/account/login/?reset=1"
    assert "密码已重新设置" in client.get(response["Location"]).content.decode()
    assert Client().login(phone=PHONE, password=NEW_PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["register", "login", "reset"])
def test_the_code_pages_answer_alike_for_a_registered_and_an_unknown_phone(client, page):
    ApplicantAccountFactory(person__phone=PHONE)
    other = "13907110029"
    answers = []
    for phone in (PHONE, other):
        response = client.post(f"/account/{page}/", {"phone": phone, "action": "send_code"})
        html = response.content.decode()
        answers.append((response.status_code, _msg(html, "phone"), _msg(html, "sms_code")))
    assert answers[0] == (200, "", "验证码已发送至 139****0021，5分钟内有效。")
    assert answers[1] == (200, "", "验证码已发送至 139****0029，5分钟内有效。")


@pytest.mark.django_db
def test_the_per_address_limit_is_shown_beside_the_phone(client, settings):
    settings.SMS_MAX_PER_ADDRESS_HOUR = 2
    for phone in ("13907110031", "13907110032"):
        client.post("/account/register/", {"phone": phone, "action": "send_code"})
    response = client.post("/account/register/", {"phone": "13907110033", "action": "send_code"})
    assert _msg(response.content.decode(), "phone") == (
        "当前网络1小时内获取验证码已达2次，请稍后再试"
    )
