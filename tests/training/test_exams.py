from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.training.factories import ExamFactory, QuestionFactory, right_answers
from yishi.core.errors import Conflict, NotFound, PermissionDeniedError
from yishi.training.models import Certificate
from yishi.training.scoring import Marked, score
from yishi.training.services import attempt_submit, exam_start

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def test_a_question_scores_only_when_exactly_the_right_options_are_chosen():
    qs = [Marked("1", frozenset({0}), 1), Marked("2", frozenset({0, 1, 3}), 2)]
    assert score(qs, {"1": ["0"], "2": ["0", "1", "3"]}) == 100
    assert score(qs, {"1": ["0"], "2": ["0", "1"]}) == 33  # one option missing: 0 points
    assert score(qs, {"1": ["0"], "2": ["0", "1", "2", "3"]}) == 33  # one too many
    assert score(qs, {"1": "1", "2": [3, 1, 0]}) == 67
    assert score(qs, {"1": ["x"], "2": None}) == 0
    assert score([], {}) == 0


@given(
    st.lists(
        st.tuples(st.frozensets(st.integers(0, 4), min_size=1), st.integers(1, 5)), max_size=8
    ),
    st.data(),
)
def test_the_score_is_the_share_of_points_of_exactly_right_answers(spec, data):
    qs = [Marked(str(n), answer, pts) for n, (answer, pts) in enumerate(spec)]
    answers = {q.key: sorted(data.draw(st.frozensets(st.integers(0, 4)))) for q in qs}
    total = sum(q.points for q in qs)
    got = sum(q.points for q in qs if frozenset(answers[q.key]) == q.answer)
    result = score(qs, answers)
    assert 0 <= result <= 100
    if total:
        assert abs(result - 100 * got / total) <= 0.5
    if got == total and total:
        assert result == 100


@pytest.mark.django_db
def test_passing_an_exam_at_a_level_issues_a_certificate_valid_three_years():
    clerk = StaffFactory().user
    exam = ExamFactory()
    attempt = exam_start(exam=exam, user=clerk, now=NOW)
    assert attempt.deadline_at == NOW + dt.timedelta(minutes=30)

    done = attempt_submit(attempt=attempt, user=clerk, answers=right_answers(exam), now=NOW)

    assert (done.score, done.passed, done.late) == (100, True, False)
    cert = Certificate.objects.get(user=clerk)
    assert cert.attempt_id == done.pk
    assert cert.level.name == "五级/初级工"
    assert cert.title == "行政办事员（政务服务综合窗口办事员）"
    assert (cert.issued_on, cert.expires_on) == (dt.date(2026, 3, 2), dt.date(2029, 3, 2))
    assert cert.source == Certificate.Source.EXAM


@pytest.mark.django_db
def test_a_score_under_the_pass_mark_fails_and_issues_nothing():
    clerk = StaffFactory().user
    exam = ExamFactory(pass_mark=70)
    answers = right_answers(exam)
    wrong = next(q for q in exam.questions.all() if q.kind == "multiple")
    answers[str(wrong.pk)] = ["0"]
    done = attempt_submit(attempt=exam_start(exam=exam, user=clerk, now=NOW), user=clerk,
                          answers=answers, now=NOW)  # fmt: skip
    assert (done.score, done.passed) == (67, False)
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_a_paper_handed_in_after_the_time_limit_scores_nothing():
    clerk = StaffFactory().user
    exam = ExamFactory(time_limit_minutes=10)
    attempt = exam_start(exam=exam, user=clerk, now=NOW)
    done = attempt_submit(
        attempt=attempt, user=clerk, answers=right_answers(exam), now=NOW + dt.timedelta(minutes=11)
    )
    assert (done.score, done.passed, done.late) == (0, False, True)
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_a_paper_is_submitted_once_and_only_by_its_candidate():
    clerk, other = StaffFactory().user, StaffFactory().user
    exam = ExamFactory()
    attempt = exam_start(exam=exam, user=clerk, now=NOW)
    with pytest.raises(NotFound):
        attempt_submit(attempt=attempt, user=other, answers={}, now=NOW)
    attempt_submit(attempt=attempt, user=clerk, answers={}, now=NOW)
    with pytest.raises(Conflict, match="已交卷"):
        attempt_submit(attempt=attempt, user=clerk, answers=right_answers(exam), now=NOW)


@pytest.mark.django_db
def test_starting_twice_resumes_the_open_attempt_and_applicants_may_not_sit():
    clerk = StaffFactory().user
    exam = ExamFactory(questions=[QuestionFactory()])
    first = exam_start(exam=exam, user=clerk, now=NOW)
    assert exam_start(exam=exam, user=clerk, now=NOW + dt.timedelta(minutes=5)) == first
    with pytest.raises(PermissionDeniedError, match="只有工作人员"):
        exam_start(exam=exam, user=ApplicantFactory().user, now=NOW)
