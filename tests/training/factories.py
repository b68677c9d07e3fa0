"""Training factories: a course with its question bank, an exam at a certificate level,
and certificates."""

from __future__ import annotations

import datetime as dt

import factory

from yishi.training.models import Certificate, CertificateLevel, Course, Exam, Question


def level(rank: int = 5) -> CertificateLevel:
    """A level loaded by migration 0002 (五级/初级工 by default)."""
    return CertificateLevel.objects.get(rank=rank)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    code = factory.Sequence(lambda n: f"free-{n}")
    title = factory.Sequence(lambda n: f"综合窗口业务培训{n}")
    kind = Course.Kind.FREE
    body = "一次性告知、首问负责、限时办结。"


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    course = factory.SubFactory(CourseFactory)
    code = factory.Sequence(lambda n: f"q-{n}")
    kind = Question.Kind.SINGLE
    text = factory.Sequence(lambda n: f"第{n}题：综合窗口受理后应当？")
    choices = ["出具受理通知书", "让申请人回去等", "拒收材料"]
    answer = [0]
    points = 1

    class Params:
        multiple = factory.Trait(
            kind=Question.Kind.MULTIPLE,
            text="以下哪些属于一次性告知的内容？",
            choices=["申请材料", "办理时限", "工作人员的午餐", "收费标准"],
            answer=[0, 1, 3],
        )
        true_false = factory.Trait(
            kind=Question.Kind.TRUE_FALSE,
            text="补正期间暂停计时。",
            choices=["对", "错"],
            answer=[0],
        )


class ExamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exam
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"exam-{n}")
    title = "行政办事员（政务服务综合窗口办事员）五级考核"
    level = factory.LazyFunction(level)
    time_limit_minutes = 30
    pass_mark = 60

    @factory.post_generation
    def questions(self, create, extracted, **kwargs):
        if create:
            self.questions.set(
                extracted
                if extracted is not None
                else [
                    QuestionFactory(),
                    QuestionFactory(multiple=True),
                    QuestionFactory(true_false=True),
                ]
            )


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    user = None
    level = factory.LazyFunction(level)
    number = factory.Sequence(lambda n: f"ZWCK-T-{n:06d}")
    issued_on = dt.date(2025, 3, 1)
    expires_on = dt.date(2028, 2, 29)
    source = Certificate.Source.ENTERED


def right_answers(exam: Exam) -> dict[str, list[str]]:
    return {str(q.pk): [str(i) for i in q.answer] for q in exam.questions.all()}
