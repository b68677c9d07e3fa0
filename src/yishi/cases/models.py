"""Applications (办件) and their per-department sub-cases, with pauses, a timeline and
in-platform messages. Statuses change only through yishi.cases.transitions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from yishi.catalog.models import Department, Matter, MatterVersion
from yishi.core.fields import EncryptedJSONField
from yishi.core.models import StoredFile
from yishi.people.models import Company, Person
from yishi.themes.models import Theme, ThemeMatter


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        SUPPLEMENT_REQUESTED = "supplement_requested", "待补正"
        ACCEPTED = "accepted", "已受理"
        COMPLETED = "completed", "已办结"
        REFUSED = "refused", "不予受理/不予许可"
        WITHDRAWN = "withdrawn", "已撤回"
        SUSPENDED = "suspended", "已中止(承诺不实)"
        REVOKED = "revoked", "决定已撤销"

    class Channel(models.TextChoices):
        ONLINE = "online", "网上申请"
        COUNTER = "counter", "窗口申请"
        CROSS_REGION = "cross_region", "跨域通办"
        REMOTE = "remote", "远程受理"

    number = models.CharField("申请编号", max_length=20, unique=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人账号",
        on_delete=models.PROTECT,
        related_name="applications",
    )
    person = models.ForeignKey(
        Person, verbose_name="申请人", on_delete=models.PROTECT, related_name="applications"
    )
    company = models.ForeignKey(
        Company,
        verbose_name="申请企业",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    theme = models.ForeignKey(
        Theme,
        verbose_name="一件事主题",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    matter = models.ForeignKey(
        Matter,
        verbose_name="单个事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    # Where the application is handled at the window: the centre whose clerks see it.
    service_centre = models.ForeignKey(
        "catalog.Department",
        verbose_name="受理服务中心",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="centre_applications",
        limit_choices_to={"kind": "centre"},
    )
    answers = models.JSONField("情形答案", default=dict, blank=True)
    form_data = EncryptedJSONField("申请表数据", default=dict, blank=True)
    status = models.CharField(
        "状态", max_length=30, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    channel = models.CharField(
        "申请渠道", max_length=20, choices=Channel.choices, default=Channel.ONLINE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="窗口录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="首问负责人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    supplement_items = models.JSONField("补正事项", default=list, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    promised_chain_days = models.PositiveSmallIntegerField("承诺时限(工作日)", default=0)
    legal_chain_days = models.PositiveSmallIntegerField("法定时限(工作日)", default=0)
    promised_due = models.DateField("承诺办结日期", null=True, blank=True)
    legal_due = models.DateField("法定办结日期", null=True, blank=True)
    reason = models.TextField("不予受理/不予许可理由", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "申请"
        verbose_name_plural = "申请(办件)"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(theme__isnull=True, matter__isnull=False)
                | models.Q(theme__isnull=False, matter__isnull=True),
                name="cases_application_theme_xor_matter",
                violation_error_message="申请须且只能针对一个主题或一个事项",
            )
        ]
        # The managers' figures select by period (yishi.stats.measures): accepted in it,
        # completed in it. Without these a month's summary reads every application.
        indexes = [
            models.Index(fields=["accepted_on"], name="cases_app_accepted_on_idx"),
            models.Index(fields=["completed_at"], name="cases_app_completed_at_idx"),
            # Lists that stay fast over any history (keyset pages, yishi.core.keyset): the
            # window queue by centre, the deadline list, an applicant's own applications.
            models.Index(
                fields=["service_centre", "status", "submitted_at", "id"],
                name="cases_app_centre_queue_idx",
            ),
            models.Index(fields=["status", "promised_due", "id"], name="cases_app_status_due_idx"),
            models.Index(fields=["applicant", "id"], name="cases_app_applicant_id_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def title(self) -> str:
        return self.theme.name if self.theme_id else self.matter.name


class SubCase(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "等待前置事项"
        PENDING = "pending", "审批中"
        SUPPLEMENT_REQUESTED = "supplement_requested", "待补正"
        APPROVED = "approved", "已办结(准予)"
        REFUSED = "refused", "不予许可"
        SUSPENDED = "suspended", "已中止"
        REVOKED = "revoked", "决定已撤销"

    application = models.ForeignKey(
        Application, verbose_name="申请", on_delete=models.CASCADE, related_name="subcases"
    )
    theme_item = models.ForeignKey(
        ThemeMatter,
        verbose_name="主题事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    matter = models.ForeignKey(
        Matter, verbose_name="事项", on_delete=models.PROTECT, related_name="subcases"
    )
    matter_version = models.ForeignKey(
        MatterVersion,
        verbose_name="事项版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        Department, verbose_name="承办部门", on_delete=models.PROTECT, related_name="subcases"
    )
    status = models.CharField(
        "状态", max_length=30, choices=Status.choices, default=Status.WAITING, db_index=True
    )
    depends_on = models.ManyToManyField(
        "self",
        verbose_name="前置子件",
        symmetrical=False,
        blank=True,
        related_name="dependents",
    )
    promised_days = models.PositiveSmallIntegerField("承诺时限(工作日)", default=0)
    legal_days = models.PositiveSmallIntegerField("法定时限(工作日)", default=0)
    started_on = models.DateField("开始办理日期", null=True, blank=True)
    promised_due = models.DateField("承诺办结日期", null=True, blank=True)
    legal_due = models.DateField("法定办结日期", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    result_name = models.CharField("办理结果", max_length=200, blank=True)
    reason = models.TextField("理由", blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    # 跨域通办: the region (GB/T 2260 code) that decides this sub-case; blank when it is ours.
    partner_region = models.CharField("跨域办理地区代码", max_length=6, blank=True)

    class Meta:
        verbose_name = "子件"
        verbose_name_plural = "子件(部门办件)"
        ordering = ["application", "order", "id"]
        # A department's list (running by due date, then newest) and the deadline list.
        indexes = [
            # Partial on the running states the department decides itself (not those of a
            # partner region): read in due-date order from the start of the range, however
            # many sub-cases history holds (the lists sort by promised_due, id), and counted
            # without reading the other departments' running sub-cases.
            models.Index(
                fields=["department", "promised_due", "id"],
                condition=models.Q(
                    status__in=["pending", "supplement_requested"], partner_region=""
                ),
                name="cases_sub_dept_own_running_idx",
            ),
            models.Index(fields=["department", "id"], name="cases_sub_dept_id_idx"),
            # "Has this application a sub-case of department D?" as one index probe (the
            # deadline list and the home counters of a department).
            models.Index(fields=["application", "department"], name="cases_sub_app_dept_idx"),
            models.Index(
                fields=["promised_due", "id"],
                condition=models.Q(status__in=["pending", "supplement_requested"]),
                name="cases_sub_running_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.number} · {self.matter.name}"


class Pause(models.Model):
    """A stop of the clock. Paused dates are started_on … ended_on − 1 (the day the
    supplement comes back counts again); an open pause has no ended_on."""

    class Kind(models.TextChoices):
        SUPPLEMENT = "supplement", "补正"
        SPECIAL_PROCEDURE = "special_procedure", "特别程序"

    application = models.ForeignKey(
        Application, verbose_name="申请", on_delete=models.CASCADE, related_name="pauses"
    )
    subcase = models.ForeignKey(
        SubCase,
        verbose_name="子件",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="pauses",
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    items = models.JSONField("需补正内容", default=list, blank=True)
    started_on = models.DateField("暂停开始日期")
    ended_on = models.DateField("恢复计时日期", null=True, blank=True)
    reason = models.TextField("原因", blank=True)

    class Meta:
        verbose_name = "计时暂停"
        verbose_name_plural = "计时暂停"
        ordering = ["application", "started_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_on}—{self.ended_on or ''}"


class CaseEvent(models.Model):
    """One line of an application's timeline: every state change, by whom, from and to."""

    application = models.ForeignKey(
        Application, verbose_name="申请", on_delete=models.CASCADE, related_name="events"
    )
    subcase = models.ForeignKey(
        SubCase,
        verbose_name="子件",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField("动作", max_length=40)
    from_status = models.CharField("原状态", max_length=30, blank=True)
    to_status = models.CharField("新状态", max_length=30, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "办件记录"
        verbose_name_plural = "办件记录"
        ordering = ["application", "at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"


class CaseMaterial(models.Model):
    class Source(models.TextChoices):
        UPLOAD = "upload", "申请人上传"
        LICENCE = "licence", "电子证照"
        SHARED = "shared", "数据共享"
        COMMITMENT = "commitment", "承诺后补(容缺/告知承诺)"

    application = models.ForeignKey(
        Application, verbose_name="申请", on_delete=models.CASCADE, related_name="materials"
    )
    kind = models.CharField("材料类别", max_length=60)
    name = models.CharField("材料名称", max_length=150)
    stored_file = models.ForeignKey(
        StoredFile,
        verbose_name="文件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField("来源", max_length=10, choices=Source.choices)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    """An in-platform notice to an applicant."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="case_messages",
    )
    application = models.ForeignKey(
        Application,
        verbose_name="申请",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    text = models.TextField("内容")
    created_at = models.DateTimeField("发送时间", auto_now_add=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:30]
