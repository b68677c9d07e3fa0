"""A newcomer can finish the demo: after `load_demo`, every one of the 14 themes goes from
submission to completion as the demo accounts alone. The demo applicant submits (for a
company theme, for the demo company) at a service centre; that centre's demo window clerk
accepts; every sub-case is approved, in dependency order, by the demo reviewer of its
department, who must see it in their list (the access policy, not a superuser); the
application completes, and each matter that produces a licence has issued it.

Each theme is walked once per set of answers needed to reach every one of its matters, so
every department a demo theme routes to is exercised."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from yishi.cases.access import may_see_application, subcases_visible_to
from yishi.cases.models import Application, SubCase
from yishi.cases.services import application_accept, application_submit, subcase_approve
from yishi.catalog.centres import service_centres
from yishi.catalog.models import Department, StaffProfile
from yishi.core.events import events_dispatch
from yishi.core.roles import Role
from yishi.core.synthetic import make_ric, make_uscc
from yishi.licences.models import Licence
from yishi.licences.queries import licence_type_for_matter
from yishi.people.models import ApplicantAccount
from yishi.people.queries import acting_companies
from yishi.portal.demo import PHONE
from yishi.portal.demo_staff import department_slug
from yishi.themes.form import applicable_fields, field_options, prefill
from yishi.themes.models import Theme, ThemeFormField
from yishi.themes.queries import theme_prepared
from yishi.themes.tailoring import question_options, select_applicable, validate_answers

pytestmark = pytest.mark.django_db

PASSWORD = "demo-walk-密码-7"
Kind = ThemeFormField.Kind
# Others named on a form, by the key's prefix: (sex, birth date) of their ID number.
OTHERS = {
    "mother": ("F", dt.date(1994, 3, 8)),
    "father": ("M", dt.date(1992, 7, 21)),
    "guardian": ("M", dt.date(1980, 1, 2)),
}


def _number(field: ThemeFormField) -> int:
    if "年度" in field.label or "年份" in field.label:
        return timezone.localdate().year - 1
    if "（克）" in field.label:
        return 3200
    return 2


def typed_value(field: ThemeFormField, person, principal: str) -> object:
    """What an applicant would type into a field the platform could not prefill; `principal`
    is whom the form's unprefixed fields are about ("baby" on a newborn's form)."""
    prefix = field.key.split("_", 1)[0]
    whom = prefix if prefix in (*OTHERS, "baby") else principal
    today = timezone.localdate()
    if field.kind == Kind.ID_NUMBER:
        sex, birth = OTHERS.get(whom, (person.sex, person.birth_date))
        return make_ric("420702", birth, seq=7, sex=sex)
    if field.kind == Kind.DATE:
        if "birth" in field.key or "出生" in field.label:
            born = today - dt.timedelta(days=10) if whom == "baby" else person.birth_date
            return born.isoformat()
        return (today - dt.timedelta(days=30)).isoformat()
    if field.kind == Kind.NUMBER:
        return _number(field)
    if field.kind == Kind.CHOICE:
        return next(iter(field_options(field)))
    if field.kind == Kind.MOBILE:
        return "13912345678"
    if field.kind == Kind.CREDIT_CODE:
        return make_uscc("420702", seq=9100)
    if field.kind == Kind.REGION:
        return "420702100"
    if field.key.endswith("_time"):
        return "08:30"
    return f"示范{field.label}"


@pytest.fixture
def demo(monkeypatch, settings):
    # PBKDF2's rounds cost about a second per account; the hash is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setenv("YISHI_DEMO_PASSWORD", PASSWORD)
    # The exchange's 多地联办 theme is applied for through the exchange (tests/exchange).
    monkeypatch.setattr("yishi.exchange.demo.load_joint_demo", lambda: 0)
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def answer_sets(theme: Theme) -> list[dict[str, str]]:
    """Few sets of answers that together make every matter of the theme apply (greedy cover
    over every combination of answers)."""
    questions = list(theme.questions.all())
    items = list(theme.items.all())
    combos = [
        dict(zip([q.code for q in questions], values, strict=True))
        for values in itertools.product(*(list(question_options(q)) for q in questions))
    ]
    reach = [
        (combo, {i.pk for i in select_applicable(items, validate_answers(theme, combo))})
        for combo in combos
    ]
    wanted, chosen = {i.pk for i in items}, []
    while wanted:
        combo, covered = max(reach, key=lambda pair: len(pair[1] & wanted))
        assert covered & wanted, f"{theme.name}: 有事项在任何情形下都不适用"
        chosen.append(combo)
        wanted -= covered
    return chosen


def form_values(theme: Theme, answers: dict, person, company) -> dict:
    """The one form filled as an applicant would: what the platform prefills, the rest typed."""
    fields = applicable_fields(theme, answers)
    known = prefill(theme, person=person, company=company)
    principal = "baby" if any(f.key.startswith("baby_") for f in fields) else "applicant"
    values = {}
    for field in fields:
        value = known.get(field.key)
        if field.kind == Kind.CHOICE and value not in field_options(field):
            value = None  # the applicant picks from the list
        values[field.key] = value if value else typed_value(field, person, principal)
    return values


def _staff(username: str):
    return get_user_model().objects.get(username=username)


def _clerks() -> dict[int, str]:
    """Service centre id → the username of its demo window clerk (window1 at the district's)."""
    return {
        centre.pk: (
            "window1"
            if centre.region.code == settings.DISTRICT_CODE
            else f"window_{department_slug(centre)}"
        )
        for centre in service_centres().select_related("region")
    }


def _walk(theme, answers, centre: Department, applicant, company, clerks) -> list[str]:
    """One application through; returns what went wrong (empty when it completed)."""
    prepared = theme_prepared(theme)
    submitted = application_submit(
        user=applicant.user,
        theme=theme,
        answers=answers,
        form_data=form_values(prepared, answers, applicant.person, company),
        company=company if theme.audience == Theme.Audience.COMPANY else None,
        service_centre=centre.code,
    )
    clerk = _staff(clerks[centre.pk])
    assert may_see_application(clerk, submitted), f"{clerk} 看不到 {submitted}"
    application = application_accept(application=submitted, staff=clerk)
    assert events_dispatch()["failed"] == 0
    approved: list[SubCase] = []
    for _ in range(len(application.new_subcases) + 1):
        pending = list(application.subcases.filter(status=SubCase.Status.PENDING))
        if not pending:
            break
        for subcase in pending:
            assert {p.status for p in subcase.depends_on.all()} <= {SubCase.Status.APPROVED}
            reviewer = _staff(f"reviewer_{department_slug(subcase.department)}")
            assert subcases_visible_to(reviewer).filter(pk=subcase.pk).exists(), (
                f"{reviewer} 的待办里没有「{subcase.matter.name}」"
            )
            subcase_approve(subcase=subcase, reviewer=reviewer, result_name="准予办理")
            approved.append(subcase)
        assert events_dispatch()["failed"] == 0
    application.refresh_from_db()
    problems = []
    if application.status != Application.Status.COMPLETED:
        left = application.subcases.exclude(status=SubCase.Status.APPROVED)
        problems.append(f"状态 {application.status}，未批：{[s.matter.name for s in left]}")
    for subcase in approved:
        licence_type = licence_type_for_matter(subcase.matter)
        issued = Licence.objects.filter(subcase=subcase).first()
        if licence_type is not None and issued is None:
            problems.append(f"「{subcase.matter.name}」未颁发{licence_type.name}")
        if issued is not None and issued.type != licence_type:
            problems.append(f"「{subcase.matter.name}」颁发了错误的证照 {issued.type.name}")
    return problems


def test_every_demo_theme_walks_to_completion_as_the_demo_accounts(demo):
    applicant = ApplicantAccount.objects.select_related("person", "user").get()
    [company] = acting_companies(applicant.user, scope="apply")
    clerks = _clerks()
    centres = list(service_centres().select_related("region"))
    assert len(centres) == 7  # the district's and six town centres, each with a clerk
    themes = list(Theme.objects.filter(status=Theme.Status.PUBLISHED).order_by("order"))
    assert len(themes) == 14

    # The demo itself brings completed applications (for 好差评); the walk adds its own.
    before = Application.objects.filter(status=Application.Status.COMPLETED).count()
    failures, walked, departments = {}, 0, set()
    for theme in themes:
        for answers in answer_sets(theme_prepared(theme)):
            centre = centres[walked % len(centres)]
            problems = _walk(theme, answers, centre, applicant, company, clerks)
            if problems:
                failures[f"{theme.name} {answers}"] = problems
            walked += 1
        departments |= set(
            theme.items.values_list("matter__department__code", flat=True).distinct()
        )

    assert failures == {}
    completed = Application.objects.filter(status=Application.Status.COMPLETED).count()
    assert completed == before + walked
    # Every department routed to had work, and the licence-producing matters issued.
    assert set(SubCase.objects.values_list("department__code", flat=True)) == departments
    issued = set(Licence.objects.exclude(subcase=None).values_list("type__name", flat=True))
    assert {"出生医学证明", "居民户口簿", "社会保障卡"} <= issued


def _columns(line: str) -> int:
    """Display width of the first two columns (CJK characters take two)."""
    lead = re.match(r"\S+\s+\S+\s+", line).group(0)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in lead)


def test_load_demo_prints_who_to_sign_in_as_and_what_to_try(demo):
    lines = demo.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("账号"))
    table = lines[start:]
    rows = {line.split()[0]: line.split() for line in table[1:]}

    assert table[0].split() == ["账号", "角色", "部门/网点", "可以试试"]
    assert rows["reviewer_yy"][1:] == [
        "审批人员",
        "区人民医院",
        "审批「出生医学证明签发」（新生儿出生）",
    ]
    assert rows["window_taihe"][1:3] == ["窗口人员", "太和镇政务服务中心"]
    assert rows[PHONE][1] == "申请人"
    assert rows["admin"][1] == "管理员（超级用户）"
    assert {"window1", "supervisor1", "policy1"} <= set(rows)
    # One line per account, every third column at the same terminal column.
    assert len({_columns(line) for line in table}) == 1
    assert "新建示范账号 " in demo and "密码均为环境变量 YISHI_DEMO_PASSWORD 的值" in demo
    assert PASSWORD not in demo


def test_every_department_a_theme_routes_to_has_a_demo_reviewer_and_every_centre_a_clerk(demo):
    routed = set(
        Theme.objects.filter(status=Theme.Status.PUBLISHED).values_list(
            "items__matter__department", flat=True
        )
    )
    reviewers = StaffProfile.objects.filter(
        user__username__startswith="reviewer_", user__groups__name=Role.REVIEWER.label
    )
    assert set(reviewers.values_list("department", flat=True)) == routed
    assert all(p.user.is_staff and p.user.check_password(PASSWORD) for p in reviewers)
    clerks = StaffProfile.objects.filter(user__groups__name=Role.WINDOW.label)
    assert set(clerks.values_list("service_centre", flat=True)) == set(
        service_centres().values_list("pk", flat=True)
    )
    users = get_user_model().objects.count()

    call_command("load_demo", stdout=StringIO())

    assert get_user_model().objects.count() == users
