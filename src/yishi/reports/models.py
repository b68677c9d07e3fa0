"""办不成事反映 (reports of things people could not get done), the walks of leaders and
experience officers (局长服务日 / 我陪群众走流程 / 政务服务体验员), and the improvement items both
lead to. A report's text, the reporter's name and phone are personal: encrypted at rest, the
phone found through its blind index."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from yishi.catalog.models import Department, Matter
from yishi.core.fields import EncryptedTextField
from yishi.hall.models import Outlet


class Obstacle(models.TextChoices):
    WHERE = "where", "不知道去哪办"
    MATERIALS = "materials", "材料太多或重复"
    TRIPS = "trips", "多次跑动"
    SYSTEM = "system", "系统或网络问题"
    SHIRKING = "shirking", "窗口推诿"
    POLICY = "policy", "政策不允许"
    OTHER = "other", "其他"


class Report(models.Model):
    class Channel(models.TextChoices):
        ONLINE = "online", "网上反映"
        QR = "qr", "大厅扫码反映"
        WINDOW = "window", "办不成事窗口代为登记"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待答复"
        ANSWERED = "answered", "已答复"
        RESOLVED = "resolved", "已解决待评价"
        CLOSED = "closed", "已评价办结"

    number = models.CharField("反映编号", max_length=24, unique=True, null=True, editable=False)
    channel = models.CharField("反映渠道", max_length=10, choices=Channel.choices)
    outlet = models.ForeignKey(
        Outlet,
        verbose_name="网点",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="反映人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bcs_reports",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代为登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = EncryptedTextField("反映人姓名", blank=True)
    phone = EncryptedTextField("联系电话", blank=True)
    phone_index = models.CharField(
        "联系电话索引", max_length=64, blank=True, db_index=True, editable=False
    )
    matter = models.ForeignKey(
        Matter,
        verbose_name="所办事项",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bcs_reports",
    )
    tried = EncryptedTextField("想办的事", blank=True)
    obstacle = models.CharField("卡在哪里", max_length=12, choices=Obstacle.choices)
    description = EncryptedTextField("情况说明")
    department = models.ForeignKey(
        Department,
        verbose_name="责任部门",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bcs_reports",
    )
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    submitted_on = models.DateField("反映日期")
    answer_due_on = models.DateField("首次答复期限", db_index=True)
    resolve_due_on = models.DateField("办结期限", db_index=True)
    answer = models.TextField("答复内容", blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.TextField("办理结果", blank=True)
    resolved_at = models.DateTimeField("解决时间", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    satisfaction = models.PositiveSmallIntegerField(
        "满意度",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 非常不满意 … 5 非常满意",
    )
    rating_comment = models.TextField("评价意见", blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "办不成事反映"
        verbose_name_plural = "办不成事反映"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="reports_satisfaction_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return self.number or f"反映 {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.ANSWERED)


class Walk(models.Model):
    """One walk through a matter: a leader's service day, a leader accompanying a resident,
    or an experience officer's own try."""

    class Kind(models.TextChoices):
        DIRECTOR_DAY = "director_day", "局长服务日"
        ACCOMPANY = "accompany", "我陪群众走流程"
        EXPERIENCE = "experience", "政务服务体验员"

    kind = models.CharField("走流程方式", max_length=14, choices=Kind.choices)
    walker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="走流程人",
        on_delete=models.PROTECT,
        related_name="bcs_walks",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="所在部门",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bcs_walks",
        help_text="领导走流程时为其所在部门；体验员为空",
    )
    walked_on = models.DateField("走流程日期")
    matter = models.ForeignKey(
        Matter,
        verbose_name="事项",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bcs_walks",
    )
    matter_text = models.CharField("事项说明", max_length=200, blank=True)
    steps = models.TextField("办理经过")
    minutes = models.PositiveIntegerField("用时(分钟)")
    problems = models.TextField("发现的问题", blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "走流程记录"
        verbose_name_plural = "走流程记录(局长服务日与体验员)"
        ordering = ["-walked_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.walked_on:%Y-%m-%d}"

    @property
    def matter_name(self) -> str:
        return self.matter.name if self.matter_id else self.matter_text


class Improvement(models.Model):
    """What must change, found by a walk or caused by a rule behind a report; owned by a
    department, with a deadline, tracked to done."""

    class Kind(models.TextChoices):
        CATALOG = "catalog", "事项清单整改"
        PROCESS = "process", "办事流程整改"

    class Status(models.TextChoices):
        OPEN = "open", "待整改"
        IN_PROGRESS = "in_progress", "整改中"
        DONE = "done", "已完成"

    report = models.ForeignKey(
        Report,
        verbose_name="来源反映",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="improvements",
    )
    walk = models.ForeignKey(
        Walk,
        verbose_name="来源走流程",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="improvements",
    )
    kind = models.CharField("整改类别", max_length=12, choices=Kind.choices, default=Kind.PROCESS)
    matter = models.ForeignKey(
        Matter,
        verbose_name="涉及事项",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bcs_improvements",
    )
    problem = models.TextField("问题")
    change = models.TextField("整改要求", blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name="责任部门",
        on_delete=models.PROTECT,
        related_name="bcs_improvements",
    )
    due_on = models.DateField("整改期限", db_index=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    action_taken = models.TextField("整改情况", blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提出人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("提出时间", auto_now_add=True)

    class Meta:
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(report__isnull=False) | models.Q(walk__isnull=False),
                name="reports_improvement_has_source",
                violation_error_message="整改事项须来自一条反映或一次走流程",
            )
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.problem[:20]}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.DONE


class ExperienceOfficer(models.Model):
    """A resident enrolled by staff as 政务服务体验员: may record walks from their account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人账号",
        on_delete=models.CASCADE,
        related_name="bcs_officer",
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="聘任人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    enrolled_at = models.DateTimeField("聘任时间", auto_now_add=True)
    active = models.BooleanField("在任", default=True)

    class Meta:
        verbose_name = "政务服务体验员"
        verbose_name_plural = "政务服务体验员"

    def __str__(self) -> str:
        return f"体验员 {self.pk}"
