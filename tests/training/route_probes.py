"""Training routes for the route-by-role table (tests/test_routes_by_role.py, whose PROBES
carry the lines): `training_world(w)` makes what the paths name.

Access rules: every training page and API operation is for staff (any staff role; applicants
and anonymous users are refused); an attempt is its candidate's only (anyone else 404);
the lead's view of their staff is for department leads (the world has none) and
administrators; editing a work guide is the lead department's lead's or an administrator's;
generating guides and courses is an administrator's."""

from __future__ import annotations

from typing import Any

from yishi.training.models import CertificateLevel, Course, Question
from yishi.training.services import exam_generate, exam_start, guide_generate


def training_world(w: Any) -> dict[str, str]:
    """A course with one question, an exam at 五级 over it, clerk_here's open attempt, and
    the work guide of the world's theme (led by its lead department)."""
    course = Course.objects.create(
        code="world-course", title="综合窗口业务培训", kind=Course.Kind.FREE, body="一次性告知"
    )
    question = Question.objects.create(
        course=course,
        code="world-q1",
        kind=Question.Kind.TRUE_FALSE,
        text="补正期间暂停计时。",
        choices=["对", "错"],
        answer=[0],
    )
    exam = exam_generate(
        code="world-exam",
        title="综合窗口办事员五级考核",
        level=CertificateLevel.objects.get(rank=5),
        questions=[question],
    )
    attempt = exam_start(exam=exam, user=w.clerk_here.user)
    guide = guide_generate(theme=w.theme)
    return {
        "course": str(course.pk),
        "exam": str(exam.pk),
        "attempt": str(attempt.pk),
        "guide": str(guide.pk),
    }
