"""One decision (themes.materials.requirement) says, for each material of an application,
需提交 or 无需提交 and why: the tailored notice and the apply flow's materials step list the
same materials to upload for every demo theme and every reachable set of answers, and no
material still to upload carries a note saying the applicant need not hand it in. Merged
notes read as clean Chinese."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from tests.catalog.factories import MaterialFactory, MatterFactory
from tests.themes.factories import ThemeFactory, ThemeMatterFactory
from yishi.cases import drafts
from yishi.cases.models import Application
from yishi.catalog.demo.loader import load_demo
from yishi.catalog.models import Material
from yishi.themes.demo.loader import load_themes
from yishi.themes.materials import join_notes, material_set, requirement
from yishi.themes.models import Theme
from yishi.themes.notice import build_theme_notice
from yishi.themes.tailoring import question_options

MAX_COMBINATIONS = 48

# A clause that waives the material itself without a condition ("申请人无需提交"), as opposed
# to a conditional one ("已共享的可免提交", "一般经营项目无需提交") or one waiving another paper
# ("无需提交开户许可证").
_WAIVER = re.compile(r"^(申请人|申请时)?(可)?(无需提交|免提交|无需提供|免提供|无需自备)$")


def waives_unconditionally(note: str) -> bool:
    return any(_WAIVER.match(c.strip()) for c in re.split(r"[。；;，,]", note or ""))


def test_waiver_detector_tells_unconditional_from_conditional_notes():
    assert waives_unconditionally("由助产机构内部调取，申请人无需提交。")
    assert waives_unconditionally("申请时无需提供，评定后机构直接报送。")
    assert not waives_unconditionally("已共享的可免提交。")
    assert not waives_unconditionally("损坏换卡的交回原卡；遗失补卡的无需提供。")
    assert not waives_unconditionally("可通过电子证照库调取。")
    assert not waives_unconditionally("经营范围涉及前置许可的提交，一般经营项目无需提交。")
    assert not waives_unconditionally("填写开户银行名称和账号，无需提交开户许可证。")


@pytest.fixture
def demo_themes(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo(password="Demo-Passw0rd!")
    load_themes()
    return list(Theme.objects.prefetch_related("questions", "items").order_by("code"))


def reachable_answers(theme: Theme) -> list[dict[str, str]]:
    questions = list(theme.questions.all())
    combos = [
        dict(zip([q.code for q in questions], values, strict=True))
        for values in itertools.product(*(list(question_options(q)) for q in questions))
    ]
    if len(combos) > MAX_COMBINATIONS:
        combos = random.Random(theme.code).sample(combos, MAX_COMBINATIONS)
    return combos


def notice_uploads(theme: Theme, answers: dict[str, str]) -> list[str]:
    notice = build_theme_notice(theme, answers)
    return [m.name for m in notice.materials if m.to_bring and m.line.required]


def apply_uploads(theme: Theme, answers: dict[str, str]) -> list[str]:
    draft = Application(theme=theme, answers=answers)
    return [
        line.name
        for line in drafts.draft_lines(draft)
        if drafts.needs_upload(line) and line.required
    ]


@pytest.mark.django_db
def test_notice_and_apply_step_ask_for_the_same_uploads_for_every_theme_and_answers(
    demo_themes,
):
    assert len(demo_themes) == 14
    checked = 0
    for theme in demo_themes:
        for answers in reachable_answers(theme):
            assert notice_uploads(theme, answers) == apply_uploads(theme, answers), (
                theme.code,
                answers,
            )
            checked += 1
    assert checked >= 14


@pytest.mark.django_db
def test_no_material_to_upload_has_a_note_saying_it_need_not_be_handed_in(demo_themes):
    contradictions = set()
    for theme in demo_themes:
        for answers in reachable_answers(theme):
            for m in build_theme_notice(theme, answers).materials:
                if m.to_bring and waives_unconditionally(m.line.note):
                    contradictions.add((theme.code, m.name, m.line.note))
    assert contradictions == set()


@pytest.mark.django_db
def test_delivery_record_of_the_birth_theme_is_not_to_be_uploaded(demo_themes):
    theme = next(
        t for t in demo_themes if any(line.name == "住院分娩记录" for line in material_set(t))
    )
    line = next(line for line in material_set(theme) if line.name == "住院分娩记录")
    decision = requirement(line)
    assert (decision.to_bring, decision.label, decision.reason) == (
        False,
        "无需提交",
        "已由部门共享获取",
    )
    assert "住院分娩记录" not in apply_uploads(theme, reachable_answers(theme)[0])


@pytest.mark.django_db
def test_requirement_names_the_reason_for_each_kind_of_waiver():
    matter = MatterFactory(name="甲事项")
    MaterialFactory(matter=matter, order=1, name="申请表", kind="form")
    MaterialFactory(
        matter=matter,
        order=2,
        name="结婚证",
        kind="marriage",
        source=Material.Source.LICENCE,
        licence_type="结婚证",
    )
    MaterialFactory(
        matter=matter, order=3, name="分娩记录", kind="record", source=Material.Source.SHARED
    )
    MaterialFactory(matter=matter, order=4, name="户口簿", kind="household")
    theme = ThemeFactory()
    ThemeMatterFactory(theme=theme, matter=matter, order=1)
    lines = {line.name: line for line in material_set(theme)}
    assert [
        (requirement(lines[n]).label, requirement(lines[n]).reason)
        for n in ("申请表", "结婚证", "分娩记录")
    ] == [
        ("需提交", ""),
        ("无需提交", "通过电子证照库调取「结婚证」"),
        ("无需提交", "已由部门共享获取"),
    ]
    held = requirement(lines["户口簿"], held="HK-001")
    assert (held.status, held.to_bring, held.reason) == (
        "held",
        False,
        "已有电子证照（编号 HK-001）",
    )


@pytest.mark.parametrize(
    ("notes", "joined"),
    [
        (
            ["父亲信息需填写时提供。", "可通过电子证照库调取。"],
            "父亲信息需填写时提供；可通过电子证照库调取。",
        ),
        (["可通过电子证照库调取。", "可通过电子证照库调取"], "可通过电子证照库调取。"),
        (["现场出示原件；", "；", "复印件一份。。"], "现场出示原件；复印件一份。"),
        (["产权证明", "产权证明，可调取的免交。"], "产权证明，可调取的免交。"),
        (["窗口核验", "用于：甲"], "窗口核验；用于：甲"),
        ([], ""),
    ],
)
def test_merged_notes_join_with_clean_punctuation(notes, joined):
    assert join_notes(notes) == joined


@pytest.mark.django_db
def test_merged_line_notes_never_contain_doubled_punctuation(demo_themes):
    for theme in demo_themes:
        for line in material_set(theme):
            assert "。；" not in line.note and "；；" not in line.note, (theme.code, line.note)
            clauses = re.split(r"[；。]", line.note.rstrip("。"))
            assert len(clauses) == len(set(clauses)), (theme.code, line.note)
            assert not any(a != b and a in b for a in clauses for b in clauses), line.note
