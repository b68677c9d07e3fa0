"""Labels, never codes: for each of the 14 demo themes and every option of every choice field,
an application filled with that option shows the option's label — never its stored code —
on the applicant's review page, the applicant's application page, the workbench application
page, the back-office application page and the licence PDFs it yields."""

from __future__ import annotations

import io
import re
import uuid
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from pypdf import PdfReader

from tests.cases.factories import ApplicantFactory, StaffFactory
from yishi.cases import drafts
from yishi.cases.models import Application, SubCase
from yishi.cases.services import application_accept, subcase_approve
from yishi.catalog.demo.loader import (
    DemoResult,
    load_departments,
    load_matters,
    load_regions,
    load_topics,
    read_json,
    read_matters,
)
from yishi.core.synthetic import ric_with_check_digit, uscc_with_check_char
from yishi.licences.pdf import licence_pdf
from yishi.licences.services import licence_issue_for_subcase
from yishi.themes.demo.loader import read_themes
from yishi.themes.form import UNKNOWN_OPTION, display_value, field_options
from yishi.themes.models import Theme, ThemeFormField
from yishi.themes.services import theme_upsert
from yishi.themes.tailoring import question_options

Kind = ThemeFormField.Kind
THEME_CODES = [t["code"] for t in read_themes()]


class _VisibleText(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def pdf_text(data: bytes) -> str:
    """PDF text without the NULs pypdf reads from fpdf2's CID font (see test_notice)."""
    reader = PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() for page in reader.pages).replace("\x00", "")


def shows_code(text: str, code: str) -> bool:
    """The code as a word of its own ("icbc", not the "abc" inside "abcd" or an ID number)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(code)}(?![A-Za-z0-9_])", text) is not None


def _valid_value(field: ThemeFormField, n: int) -> str:
    if field.kind == Kind.ID_NUMBER:
        return ric_with_check_digit(f"42070219900101{n % 900 + 100:03d}")
    if field.kind == Kind.CREDIT_CODE:
        return uscc_with_check_char(f"91420702MA4{n % 900000 + 100000:06d}")
    if field.kind == Kind.MOBILE:
        return f"139{n % 100000000:08d}"
    if field.kind == Kind.REGION:
        return "420702"
    if field.kind == Kind.DATE:
        return "2025-06-01"
    if field.kind == Kind.NUMBER:
        return "12"
    return "梁子湖区太和镇测试"


def _answers_for(theme: Theme, condition: dict) -> dict[str, str]:
    """Answers under which a field (or matter) with `condition` applies."""
    answers = {
        q.code: q.default or next(iter(question_options(q)), "") for q in theme.questions.all()
    }
    for term in (condition or {}).get("all", []):
        answers[term["q"]] = term["in"][0]
    return answers


def _cases(theme: Theme) -> list[tuple[dict[str, str], dict[str, str]]]:
    """(answers, form data) pairs that together use every option of every choice field: the
    choice fields that apply under the same answers are filled alike, option by option."""
    groups: dict[tuple, list[ThemeFormField]] = {}
    for field in theme.fields.all():
        if field.kind == Kind.CHOICE:
            answers = _answers_for(theme, field.condition)
            groups.setdefault(tuple(sorted(answers.items())), []).append(field)
    if not groups:  # no choice field: one application with the default answers
        groups[tuple(sorted(_answers_for(theme, {}).items()))] = []
    cases = []
    for key, fields in groups.items():
        answers = dict(key)
        every = list(theme.fields.all())
        for i in range(max([len(field_options(f)) for f in fields] or [1])):
            data = {f.key: _valid_value(f, i) for f in every if f.kind != Kind.CHOICE}
            for f in every:
                if f.kind == Kind.CHOICE:
                    options = list(field_options(f))
                    data[f.key] = options[i % len(options)]
            cases.append((answers, data))
    return cases


def _load_demo_theme(code: str) -> Theme:
    """One demo theme, published, with the demo catalog's departments and its own matters."""
    data = next(t for t in read_themes() if t["code"] == code)
    load_regions(read_json("regions.json")["regions"])
    load_departments(read_json("departments.json")["departments"])
    load_topics(read_json("topics.json")["topics"])
    rows = {m["code"]: m for m in read_matters()}
    wanted = {item["matter"] for item in data["items"]}
    while missing := {rows[c]["base"] for c in wanted if rows[c].get("base")} - wanted:
        wanted |= missing  # a county matter needs the city matter it implements
    load_matters([m for m in rows.values() if m["code"] in wanted], DemoResult())
    theme_upsert({**data, "status": Theme.Status.PUBLISHED})
    return Theme.objects.get(code=code)


def _expected(theme: Theme, data: dict[str, str], answers: dict[str, str]) -> list[tuple]:
    """(field, code, label) of every choice value the application holds under `answers`."""
    from yishi.themes.form import applicable_fields

    return [
        (f, data[f.key], field_options(f)[data[f.key]])
        for f in applicable_fields(theme, answers)
        if f.kind == Kind.CHOICE
    ]


def _submit_directly(draft: Application) -> Application:
    """The draft as a submitted application (the submission's own checks are tested in
    tests/cases; here only what pages show of the stored values matters)."""
    Application.objects.filter(pk=draft.pk).update(
        status=Application.Status.SUBMITTED,
        number=f"YS{uuid.uuid4().int % 10**18:018d}",
        submitted_at=timezone.now(),
    )
    draft.refresh_from_db()
    return draft


def _approve_all(app: Application) -> list[SubCase]:
    """Every sub-case approved, prerequisites first."""
    approved = []
    for _ in range(10):
        pending = list(app.subcases.filter(status=SubCase.Status.PENDING).select_related("matter"))
        if not pending:
            break
        for s in pending:
            reviewer = StaffFactory(reviewer=True, department=s.department).user
            subcase_approve(
                subcase=s, reviewer=reviewer, result_name=s.matter.result_name or "准予"
            )
            approved.append(s)
    return approved


def _assert_labels_not_codes(text: str, where: str, expected: list[tuple], *, labels: bool):
    for field, code, label in expected:
        assert not shows_code(text, code), f"{where}: 「{field.label}」shows the code {code!r}"
        if labels:
            assert label in text, f"{where}: 「{field.label}」does not show {label!r}"
    assert UNKNOWN_OPTION not in text, where


@pytest.mark.django_db
@pytest.mark.parametrize("code", THEME_CODES)
def test_every_option_of_every_choice_field_is_shown_by_its_label(client, code):
    theme = _load_demo_theme(code)
    account = ApplicantFactory()
    staff = StaffFactory(administrator=True)
    root = get_user_model().objects.create_superuser("root-admin", password="x-密码-42")
    cases = _cases(theme)
    covered: set[tuple[str, str]] = set()
    for answers, data in cases:
        draft = drafts.draft_save(user=account.user, theme=theme, answers=answers)
        draft = drafts.draft_save(user=account.user, form_data=data, application=draft)
        expected = _expected(theme, data, draft.answers)
        covered |= {(f.key, c) for f, c, _ in expected}

        client.force_login(account.user)
        review = client.get(f"/apply/draft/{draft.pk}/review/")
        assert review.status_code == 200
        _assert_labels_not_codes(
            visible_text(review.content.decode()), f"{code} review", expected, labels=True
        )

        app = _submit_directly(draft)
        page = client.get(f"/apply/my/{app.number}/")
        assert page.status_code == 200
        _assert_labels_not_codes(
            visible_text(page.content.decode()), f"{code} application page", expected, labels=False
        )

        client.force_login(staff.user)
        bench = client.get(f"/workbench/applications/{app.number}/")
        assert bench.status_code == 200
        _assert_labels_not_codes(
            visible_text(bench.content.decode()), f"{code} workbench", expected, labels=True
        )

        client.force_login(root)
        back_office = client.get(f"/admin/cases/application/{app.pk}/change/")
        assert back_office.status_code == 200
        _assert_labels_not_codes(
            visible_text(back_office.content.decode()), f"{code} admin", expected, labels=True
        )
    every = {
        (f.key, v) for f in theme.fields.all() if f.kind == Kind.CHOICE for v in field_options(f)
    }
    assert covered == every


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["social-security-card", "newborn", "disability"])
def test_licence_pdfs_show_choice_labels_not_codes(code):
    theme = _load_demo_theme(code)
    account = ApplicantFactory()
    staff = StaffFactory(administrator=True)
    issued = 0
    for answers, data in _cases(theme):
        draft = drafts.draft_save(user=account.user, theme=theme, answers=answers)
        draft = drafts.draft_save(user=account.user, form_data=data, application=draft)
        expected = _expected(theme, data, draft.answers)
        app = application_accept(application=_submit_directly(draft), staff=staff.user)
        for s in _approve_all(app):
            licence = licence_issue_for_subcase(subcase_id=s.pk)
            if licence is None:
                continue
            issued += 1
            text = pdf_text(licence_pdf(licence, base_url="https://yishi.example"))
            for field, value, _label in expected:
                assert not shows_code(text, value), (
                    f"{code} licence {licence.type.name}: 「{field.label}」shows {value!r}"
                )
    assert issued, f"{code} issued no licence"


def test_display_value_shows_words_for_codes_dates_and_yes_no():
    field = ThemeFormField(
        key="bank",
        label="社保卡服务银行",
        kind=Kind.CHOICE,
        choices=[{"value": "icbc", "label": "中国工商银行"}, {"value": "boc", "label": "中国银行"}],
    )
    assert display_value(field, "icbc") == "中国工商银行"
    assert display_value(field, ["icbc", "boc"]) == "中国工商银行、中国银行"
    assert display_value(field, "gone") == "（未知选项）"
    assert display_value(field, "") == ""
    assert display_value(ThemeFormField(kind=Kind.DATE), "2026-12-07") == "2026年12月7日"
    assert display_value(None, True) == "是"
    assert display_value(None, False) == "否"
    assert display_value(ThemeFormField(kind=Kind.TEXT), "太和镇") == "太和镇"
