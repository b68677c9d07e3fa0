"""Training and 持证上岗: courses, question banks, exams and attempts, certificate levels and
certificates; work guides (工作指引/操作规程) with a stored version per edit. The monthly
assessment is computed from the case records (yishi.training.assessment), not stored."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models


class CertificateLevel(models.Model):
    """A skill level of 行政办事员（政务服务综合窗口办事员）; data (migration 0002 loads the
    five levels every national occupational skill standard uses)."""

    code = models.SlugField("等级编码", max_length=20, unique=True)
    name = models.CharField("等级名称", max_length=30)
    rank = models.PositiveSmallIntegerField("等级序号", help_text="5 为五级（初级工），1 为一级")

    class Meta:
        verbose_name = "职业技能等级"
        verbose_name_plural = "职业技能等级"
        ordering = ["-rank"]

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    class Kind(models.TextChoices):
        GUIDE = "guide", "工作指引"
        MATTER = "matter", "事项要素"
        POLICY = "policy", "政策"
        FREE = "free", "自编课程"

    code = models.SlugField("课程编码", max_length=80, unique=True)
    title = models.CharField("课程名称", max_length=120)
    kind = models.CharField("课程来源", max_length=10, choices=Kind.choices)
    body = models.TextField("课程内容")
    matter = models.ForeignKey(
        "catalog.Matter",
        verbose_name="事项",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    theme = models.ForeignKey(
        "themes.Theme",
        verbose_name="一件事主题",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    policy = models.ForeignKey(
        "policies.Policy",
        verbose_name="政策",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    order = models.PositiveIntegerField("排序", default=0)
    published = models.BooleanField("已发布", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "培训课程"
        verbose_name_plural = "培训课程"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "单选题"
        MULTIPLE = "multiple", "多选题"
        TRUE_FALSE = "true_false", "判断题"

    course = models.ForeignKey(
        Course,
        verbose_name="所属课程",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="questions",
    )
    code = models.SlugField("题目编码", max_length=100, unique=True)
    kind = models.CharField("题型", max_length=12, choices=Kind.choices)
    text = models.TextField("题干")
    choices = models.JSONField("选项", default=list, help_text="选项文字列表；判断题为 对、错")
    answer = models.JSONField("正确答案", default=list, help_text="正确选项的序号列表，从 0 起")
    explanation = models.TextField("解析", blank=True)
    points = models.PositiveSmallIntegerField("分值", default=1)

    class Meta:
        verbose_name = "试题"
        verbose_name_plural = "题库"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:40]


class Exam(models.Model):
    code = models.SlugField("考试编码", max_length=60, unique=True)
    title = models.CharField("考试名称", max_length=120)
    level = models.ForeignKey(
        CertificateLevel,
        verbose_name="合格后颁发证书等级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exams",
    )
    questions = models.ManyToManyField(Question, verbose_name="试题", related_name="exams")
    time_limit_minutes = models.PositiveSmallIntegerField("考试时长(分钟)", default=30)
    pass_mark = models.PositiveSmallIntegerField("合格分数(百分制)", default=60)
    is_active = models.BooleanField("开放考试", default=True)

    class Meta:
        verbose_name = "考试"
        verbose_name_plural = "考试"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Attempt(models.Model):
    exam = models.ForeignKey(
        Exam, verbose_name="考试", on_delete=models.PROTECT, related_name="attempts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="考生",
        on_delete=models.PROTECT,
        related_name="training_attempts",
    )
    question_ids = models.JSONField("试题顺序", default=list)
    started_at = models.DateTimeField("开始时间")
    deadline_at = models.DateTimeField("截止时间")
    submitted_at = models.DateTimeField("交卷时间", null=True, blank=True)
    answers = models.JSONField("作答", default=dict, blank=True)
    score = models.PositiveSmallIntegerField("得分(百分制)", null=True, blank=True)
    passed = models.BooleanField("合格", default=False)
    late = models.BooleanField("超时交卷", default=False)

    class Meta:
        verbose_name = "考试记录"
        verbose_name_plural = "考试记录"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.exam} · {self.user}"


class Certificate(models.Model):
    class Source(models.TextChoices):
        EXAM = "exam", "考试合格颁发"
        ENTERED = "entered", "管理员录入"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="持证人",
        on_delete=models.PROTECT,
        related_name="training_certificates",
    )
    title = models.CharField(
        "职业(工种)", max_length=60, default="行政办事员（政务服务综合窗口办事员）"
    )
    level = models.ForeignKey(
        CertificateLevel, verbose_name="等级", on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField("证书编号", max_length=40, unique=True)
    issued_on = models.DateField("发证日期")
    expires_on = models.DateField("有效期至")
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    attempt = models.OneToOneField(
        Attempt,
        verbose_name="考试记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificate",
    )
    revoked = models.BooleanField("已注销", default=False)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "职业技能等级证书"
        verbose_name_plural = "职业技能等级证书"
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gte=models.F("issued_on")),
                name="training_certificate_expires_after_issue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title}{self.level} {self.number}"

    def valid_on(self, day: dt.date) -> bool:
        return not self.revoked and self.issued_on <= day <= self.expires_on


class WorkGuide(models.Model):
    """工作指引/操作规程 of one theme or one matter; its text is its latest version."""

    theme = models.OneToOneField(
        "themes.Theme",
        verbose_name="一件事主题",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="work_guide",
    )
    matter = models.OneToOneField(
        "catalog.Matter",
        verbose_name="事项",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="work_guide",
    )
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name="编制部门(牵头部门)",
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField("标题", max_length=150)
    version = models.PositiveIntegerField("当前版本号", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "工作指引与操作规程"
        verbose_name_plural = "工作指引与操作规程"
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(theme__isnull=False, matter__isnull=True)
                | models.Q(theme__isnull=True, matter__isnull=False),
                name="training_guide_theme_xor_matter",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def current(self) -> WorkGuideVersion | None:
        return self.versions.filter(number=self.version).first()


class WorkGuideVersion(models.Model):
    guide = models.ForeignKey(
        WorkGuide, verbose_name="工作指引", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    body = models.TextField("正文")
    generated = models.BooleanField("系统生成", default=False)
    note = models.CharField("修订说明", max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修订人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("修订时间", auto_now_add=True)

    class Meta:
        verbose_name = "工作指引版本"
        verbose_name_plural = "工作指引版本"
        ordering = ["guide", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["guide", "number"], name="training_guide_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.guide} 第{self.number}版"
