from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from tests.people.accounts_support import PASSWORD, ApplicantAccountFactory, last_code
from tests.people.factories import PersonFactory
from yishi.core.audit import audit_verify
from yishi.core.errors import Conflict, TooManyRequests, ValidationFailed
from yishi.core.models import AuditEntry
from yishi.core.synthetic import make_ric
from yishi.people.models import ApplicantAccount, LoginFailure, Person, SmsCode
from yishi.people.services import (
    applicant_login,
    applicant_password_reset,
    applicant_register,
    sms_code_send,
)

pytestmark = pytest.mark.django_db

PHONE = "13907110002"
NEW_PASSWORD = "Liangzi-hu-7788"


def _register(*, name="胡敏", id_number=None, phone=PHONE, password=NEW_PASSWORD):
    sms_code_send(phone=phone, purpose="register")
    return applicant_register(
        name=name,
        id_number=id_number or make_ric(seq=21),
        phone=phone,
        password=password,
        sms_code=last_code(phone),
    )


def _nothing_written() -> bool:
    return (
        Person.objects.count() == 0
        and User.objects.count() == 0
        and ApplicantAccount.objects.count() == 0
    )


def test_registration_creates_person_user_and_account_with_the_code_from_the_outbox():
    number = make_ric(seq=21)
    account = _register(id_number=number)
    account.refresh_from_db()
    person, user = account.person, account.user
    assert (person.name, person.id_number, person.phone) == ("胡敏", number, PHONE)
    assert (account.phone, account.source) == (PHONE, "local")
    assert account.verified_at is not None
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)
    assert user.has_usable_password() and user.check_password(NEW_PASSWORD)
    assert PHONE not in user.username and user.username == f"m-{account.phone_index}"
    assert SmsCode.objects.get().used_at is not None


def test_registration_is_audited_with_masked_values():
    number = make_ric(seq=22)
    account = _register(id_number=number)
    entry = AuditEntry.objects.get(action="applicant.register")
    assert entry.object_id == str(account.pk)
    assert entry.data == {"id_number": f"4207**********{number[-4:]}", "phone": "139****0002"}
    assert audit_verify().ok


def test_the_phone_is_encrypted_in_the_account_table():
    from django.db import connection

    _register()
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_index FROM people_applicantaccount")
        phone, index = cursor.fetchone()
    assert PHONE not in phone and PHONE not in index
    with connection.cursor() as cursor:
        cursor.execute("SELECT username FROM auth_user")
        assert PHONE not in cursor.fetchone()[0]


def test_a_person_the_registry_knows_is_linked_not_duplicated():
    person = PersonFactory(name="罗娟", phone="")
    account = _register(name="罗娟", id_number=person.id_number)
    assert account.person == person
    assert Person.objects.count() == 1


def test_a_name_that_does_not_match_the_registry_is_refused():
    person = PersonFactory(name="罗娟")
    sms_code_send(phone=PHONE, purpose="register")
    with pytest.raises(ValidationFailed) as exc:
        applicant_register(
            name="罗静",
            id_number=person.id_number,
            phone=PHONE,
            password=NEW_PASSWORD,
            sms_code=last_code(PHONE),
        )
    assert (exc.value.message, exc.value.field) == ("姓名与该居民身份证号登记的姓名不一致", "name")
    assert ApplicantAccount.objects.count() == 0
    # The answer cost the code: each guess at a name needs a new code to the asker's phone.
    assert SmsCode.objects.get().used_at is not None


def test_a_registered_phone_is_a_conflict_once_the_code_is_verified():
    ApplicantAccountFactory(person__phone=PHONE)
    sms_code_send(phone=PHONE, purpose="register")
    with pytest.raises(Conflict) as exc:
        applicant_register(
            name="胡敏",
            id_number=make_ric(seq=23),
            phone=PHONE,
            password=NEW_PASSWORD,
            sms_code=last_code(PHONE),
        )
    assert (exc.value.message, exc.value.field) == ("该手机号码已注册账号", "phone")


def _wrong_code_answer(**overrides) -> tuple[str, str | None, str]:
    """What registration answers with a wrong code, as (kind, field, message)."""
    sms_code_send(phone=overrides.get("phone", PHONE), purpose="register")
    code = last_code(overrides.get("phone", PHONE))
    body = {
        "name": "胡敏",
        "id_number": make_ric(seq=29),
        "phone": PHONE,
        "password": NEW_PASSWORD,
        "sms_code": "000000" if code != "000000" else "111111",
    } | overrides
    with pytest.raises(ValidationFailed) as exc:
        applicant_register(**body)
    return (type(exc.value).__name__, exc.value.field, exc.value.message)


def test_before_the_code_a_wrong_name_for_a_known_id_number_gets_the_right_names_answer():
    person = PersonFactory(name="罗娟")
    right = _wrong_code_answer(name="罗娟", id_number=person.id_number)
    SmsCode.objects.all().delete()
    wrong = _wrong_code_answer(name="罗静", id_number=person.id_number)
    SmsCode.objects.all().delete()
    unknown = _wrong_code_answer(name="罗静", id_number=make_ric(seq=30))
    assert (
        right
        == wrong
        == unknown
        == ("ValidationFailed", "sms_code", "短信验证码不正确，还可再试4次")
    )
    assert ApplicantAccount.objects.count() == 0


def test_before_the_code_an_id_number_with_an_account_gets_the_answer_a_free_one_gets():
    other = ApplicantAccountFactory()
    taken = _wrong_code_answer(name=other.person.name, id_number=other.person.id_number)
    SmsCode.objects.all().delete()
    free = _wrong_code_answer(name="胡敏", id_number=make_ric(seq=31))
    assert taken == free == ("ValidationFailed", "sms_code", "短信验证码不正确，还可再试4次")
    assert ApplicantAccount.objects.count() == 1


def test_without_a_code_a_registered_phone_gets_the_answer_a_free_one_gets():
    ApplicantAccountFactory(person__phone=PHONE)
    with pytest.raises(ValidationFailed) as taken:
        applicant_register(
            name="胡敏",
            id_number=make_ric(seq=32),
            phone=PHONE,
            password=NEW_PASSWORD,
            sms_code="123456",
        )
    with pytest.raises(ValidationFailed) as free:
        applicant_register(
            name="胡敏",
            id_number=make_ric(seq=32),
            phone="13907110009",
            password=NEW_PASSWORD,
            sms_code="123456",
        )
    assert (taken.value.field, taken.value.message) == (free.value.field, free.value.message)
    assert (free.value.field, free.value.message) == ("sms_code", "短信验证码无效，请先获取验证码")


def test_a_registered_id_number_is_a_conflict():
    other = ApplicantAccountFactory()
    sms_code_send(phone=PHONE, purpose="register")
    with pytest.raises(Conflict) as exc:
        applicant_register(
            name=other.person.name,
            id_number=other.person.id_number,
            phone=PHONE,
            password=NEW_PASSWORD,
            sms_code=last_code(PHONE),
        )
    assert (exc.value.message, exc.value.field) == ("该居民身份证号已注册账号", "id_number")
    assert ApplicantAccount.objects.count() == 1


def test_a_wrong_code_writes_nothing_but_the_attempt():
    sms_code_send(phone=PHONE, purpose="register")
    wrong = "000000" if last_code(PHONE) != "000000" else "111111"
    with pytest.raises(ValidationFailed) as exc:
        applicant_register(
            name="胡敏",
            id_number=make_ric(seq=24),
            phone=PHONE,
            password=NEW_PASSWORD,
            sms_code=wrong,
        )
    assert exc.value.field == "sms_code"
    assert _nothing_written()
    assert SmsCode.objects.get().attempts == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "密码不能为空"),
        ("abc12", "密码长度不足8位"),
        ("password", "密码过于常见，容易被猜到"),
        ("1234", "密码长度不足8位，过于常见，容易被猜到"),
    ],
)
def test_weak_passwords_are_refused_in_chinese(password, message):
    with pytest.raises(ValidationFailed) as exc:
        applicant_register(
            name="胡敏", id_number=make_ric(seq=25), phone=PHONE, password=password, sms_code="1"
        )
    assert (exc.value.message, exc.value.field) == (message, "password")
    assert _nothing_written()


def test_a_bad_id_number_is_refused_before_the_code_is_looked_at():
    number = make_ric(seq=26)
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as exc:
        applicant_register(
            name="胡敏", id_number=bad, phone=PHONE, password=NEW_PASSWORD, sms_code="1"
        )
    assert (exc.value.message, exc.value.field) == ("居民身份证号校验位错误", "id_number")
    assert _nothing_written()


# ---------------------------------------------------------------- API


def _api_register(client: Client, **overrides):
    phone = overrides.get("phone", PHONE)
    client.post(
        "/api/v1/sms-codes",
        {"phone": phone, "purpose": "register"},
        content_type="application/json",
    )
    body = {
        "name": "胡敏",
        "id_number": make_ric(seq=27),
        "phone": phone,
        "password": NEW_PASSWORD,
        "sms_code": last_code(phone),
    } | overrides
    return client.post("/api/v1/applicants", body, content_type="application/json")


def test_api_registration_answers_201_with_masked_values(client):
    number = make_ric(seq=27)
    response = _api_register(client)
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": ApplicantAccount.objects.get().pk,
        "name": "胡敏",
        "id_number": f"4207**********{number[-4:]}",
        "phone": "139****0002",
        "verified_at": body["verified_at"],
        "companies": [],
    }
    assert number not in response.content.decode() and PHONE not in response.content.decode()


def test_api_duplicate_phone_is_409_problem_once_the_code_is_verified(client):
    ApplicantAccountFactory(person__phone=PHONE)
    response = _api_register(client, id_number=make_ric(seq=28))
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert (body["title"], body["detail"], body["field"]) == (
        "状态冲突",
        "该手机号码已注册账号",
        "phone",
    )


def test_api_duplicate_id_number_is_409_problem(client):
    other = ApplicantAccountFactory()
    response = _api_register(client, name=other.person.name, id_number=other.person.id_number)
    assert response.status_code == 409
    body = response.json()
    assert (body["detail"], body["field"]) == ("该居民身份证号已注册账号", "id_number")


def test_api_me_is_401_problem_when_not_logged_in(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["title"] == "未登录"


def test_api_me_shows_the_logged_in_applicant_masked(client):
    account = ApplicantAccountFactory(person__phone=PHONE)
    assert client.login(phone=PHONE, password=PASSWORD)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    number = account.person.id_number
    assert (body["id"], body["name"], body["phone"]) == (
        account.pk,
        account.person.name,
        "139****0002",
    )
    assert body["id_number"] == f"{number[:4]}**********{number[-4:]}"


# ---------------------------------------------------------------- login


def test_password_login_through_the_backend():
    ApplicantAccountFactory(person__phone=PHONE)
    client = Client()
    assert client.login(phone="139-0711-0002", password=PASSWORD)
    assert not Client().login(phone=PHONE, password="wrong-password")
    assert not Client().login(phone="13907119999", password=PASSWORD)


def test_sms_login_through_the_backend_uses_the_code_up():
    account = ApplicantAccountFactory(person__phone=PHONE)
    sms_code_send(phone=PHONE, purpose="login")
    code = last_code(PHONE)
    client = Client()
    assert client.login(phone=PHONE, sms_code=code)
    assert int(client.session["_auth_user_id"]) == account.user.pk
    with pytest.raises(ValidationFailed) as exc:
        applicant_login(request=None, phone=PHONE, sms_code=code)
    assert exc.value.message == "短信验证码已使用，请重新获取"


def test_staff_still_log_in_with_username_and_password(admin_user):
    assert Client().login(username="admin", password="password")
    assert not Client().login(phone="admin", password="password")


def test_a_wrong_password_names_the_field_and_is_counted():
    ApplicantAccountFactory(person__phone=PHONE)
    with pytest.raises(ValidationFailed) as exc:
        applicant_login(request=None, phone=PHONE, password="nope-nope")
    assert (exc.value.message, exc.value.field) == ("手机号码或密码不正确", "password")
    assert LoginFailure.objects.count() == 1


def test_after_five_failures_in_15_minutes_even_the_right_password_is_refused():
    account = ApplicantAccountFactory(person__phone=PHONE)
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            applicant_login(request=None, phone=PHONE, password="nope-nope")
    with pytest.raises(TooManyRequests) as exc:
        applicant_login(request=None, phone=PHONE, password=PASSWORD)
    assert (exc.value.message, exc.value.field) == (
        "该手机号码密码登录失败已达5次，请15分钟后再试，或使用短信验证码登录",
        "phone",
    )
    assert exc.value.status == 429

    LoginFailure.objects.update(at=timezone.now() - datetime.timedelta(minutes=15, seconds=1))
    assert applicant_login(request=None, phone=PHONE, password=PASSWORD) == account.user
    assert LoginFailure.objects.count() == 0


def test_a_locked_password_does_not_lock_the_holder_out_of_sms_login():
    account = ApplicantAccountFactory(person__phone=PHONE)
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            applicant_login(request=None, phone=PHONE, password="nope-nope")
    with pytest.raises(TooManyRequests):
        applicant_login(request=None, phone=PHONE, password=PASSWORD)
    sms_code_send(phone=PHONE, purpose="login")
    assert applicant_login(request=None, phone=PHONE, sms_code=last_code(PHONE)) == account.user
    # The holder got in: the phone's failed passwords are forgotten.
    assert LoginFailure.objects.count() == 0
    assert applicant_login(request=None, phone=PHONE, password=PASSWORD) == account.user


def test_a_wrong_login_code_does_not_count_against_the_password():
    ApplicantAccountFactory(person__phone=PHONE)
    sms_code_send(phone=PHONE, purpose="login")
    wrong = "000000" if last_code(PHONE) != "000000" else "111111"
    with pytest.raises(ValidationFailed) as exc:
        applicant_login(request=None, phone=PHONE, sms_code=wrong)
    assert (exc.value.field, exc.value.message) == ("sms_code", "短信验证码不正确，还可再试4次")
    assert LoginFailure.objects.count() == 0


def test_sms_login_answers_an_unknown_phone_as_it_answers_a_registered_one():
    ApplicantAccountFactory(person__phone=PHONE)
    unknown = "13907110009"
    answers = []
    for phone in (PHONE, unknown):
        sms_code_send(phone=phone, purpose="login")
        with pytest.raises(ValidationFailed) as exc:
            applicant_login(request=None, phone=phone, sms_code="000000")
        answers.append((exc.value.field, exc.value.message))
    if last_code(PHONE) != "000000":
        assert answers[0] == answers[1] == ("sms_code", "短信验证码不正确，还可再试4次")


def test_password_failures_of_an_unknown_phone_lock_it_like_a_registered_one():
    unknown = "13907110009"
    for _ in range(5):
        with pytest.raises(ValidationFailed) as exc:
            applicant_login(request=None, phone=unknown, password="nope-nope")
        assert (exc.value.field, exc.value.message) == ("password", "手机号码或密码不正确")
    with pytest.raises(TooManyRequests):
        applicant_login(request=None, phone=unknown, password="nope-nope")


def test_failures_of_one_phone_do_not_lock_another():
    ApplicantAccountFactory(person__phone=PHONE)
    other = ApplicantAccountFactory(person__phone="13907110003")
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            applicant_login(request=None, phone=PHONE, password="nope-nope")
    assert applicant_login(request=None, phone="13907110003", password=PASSWORD) == other.user


# ---------------------------------------------------------------- password reset


def test_a_reset_code_sets_a_new_password_and_clears_the_lock():
    account = ApplicantAccountFactory(person__phone=PHONE)
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            applicant_login(request=None, phone=PHONE, password="nope-nope")
    sms_code_send(phone=PHONE, purpose="reset")
    applicant_password_reset(phone=PHONE, sms_code=last_code(PHONE), password=NEW_PASSWORD)
    assert applicant_login(request=None, phone=PHONE, password=NEW_PASSWORD) == account.user
    assert AuditEntry.objects.get(action="applicant.password_reset").data == {
        "phone": "139****0002"
    }


def test_a_reset_for_an_unknown_phone_gets_the_answer_a_registered_one_gets():
    ApplicantAccountFactory(person__phone=PHONE)
    unknown = "13907110009"
    answers = []
    for phone in (PHONE, unknown):
        sms_code_send(phone=phone, purpose="reset")
        with pytest.raises(ValidationFailed) as exc:
            applicant_password_reset(phone=phone, sms_code="000000", password=NEW_PASSWORD)
        answers.append((exc.value.field, exc.value.message))
    if last_code(PHONE) != "000000":
        assert answers[0] == answers[1] == ("sms_code", "短信验证码不正确，还可再试4次")


def test_a_login_code_does_not_reset_the_password():
    account = ApplicantAccountFactory(person__phone=PHONE)
    sms_code_send(phone=PHONE, purpose="login")
    with pytest.raises(ValidationFailed) as exc:
        applicant_password_reset(phone=PHONE, sms_code=last_code(PHONE), password=NEW_PASSWORD)
    assert exc.value.field == "sms_code"
    account.user.refresh_from_db()
    assert account.user.check_password(PASSWORD)


# ---------------------------------------------------------------- admin


def test_the_admin_lists_accounts_with_masked_values_only(admin_client):
    account = ApplicantAccountFactory(person__phone=PHONE)
    html = admin_client.get("/admin/people/applicantaccount/").content.decode()
    number = account.person.id_number
    assert f"{number[:4]}**********{number[-4:]}" in html and "139****0002" in html
    assert number not in html and PHONE not in html
    page = admin_client.get(f"/admin/people/applicantaccount/{account.pk}/change/")
    assert page.status_code == 200
    assert number not in page.content.decode()
    assert admin_client.get("/admin/people/applicantaccount/add/").status_code == 403


def test_the_admin_revokes_authorisations_through_the_service(admin_client):
    from tests.people.factories import CompanyFactory
    from yishi.people.models import CompanyAgent
    from yishi.people.services import agent_authorise

    account = ApplicantAccountFactory()
    agent = agent_authorise(company=CompanyFactory(), person=account.person, role="legal_rep")
    response = admin_client.post(
        "/admin/people/companyagent/",
        {"action": "revoke", "_selected_action": [agent.pk]},
        follow=True,
    )
    assert "已撤销 1 项授权" in response.content.decode()
    assert CompanyAgent.objects.get().revoked_at is not None
    assert AuditEntry.objects.filter(action="company_agent.revoke").count() == 1


@pytest.mark.django_db
def test_a_walk_in_account_is_marked_as_registered_at_the_counter_by_the_staff_member():
    from django.contrib.auth import get_user_model

    from yishi.core.models import AuditEntry
    from yishi.core.synthetic import make_ric
    from yishi.people.models import ApplicantAccount
    from yishi.people.services import applicant_account_at_counter

    staff = get_user_model().objects.create_user("window9", password="pw-5f4e3d2c", is_staff=True)
    id_number = make_ric(region_code="420702", birth=datetime.date(1985, 6, 1), seq=17)

    account = applicant_account_at_counter(
        id_number=id_number, name="柯晓梅", phone="", staff=staff
    )
    again = applicant_account_at_counter(id_number=id_number, name="柯晓梅", staff=staff)

    assert account.source == ApplicantAccount.Source.COUNTER
    assert again.pk == account.pk
    assert not account.user.has_usable_password()
    entry = AuditEntry.objects.get(action="applicant.register_counter")
    assert entry.actor == "window9"
    assert id_number not in str(entry.data)
