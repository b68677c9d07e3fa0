"""数据治理 under the chief data officer: the data resource catalog (datasets with fields,
owner, frequency, sharing class), quality rules as data, findings walked through
检查 → 校核 → 确认 → 更正, quality scores per run, open data downloads and the 12-sector
scenario register, and supply-and-demand requests between departments."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from yishi.core.fields import EncryptedJSONField


class Dataset(models.Model):
    class Sharing(models.TextChoices):
        UNCONDITIONAL = "unconditional", "无条件共享"
        CONDITIONAL = "conditional", "有条件共享"
        NONE = "none", "不予共享"

    code = models.SlugField("资源编码", max_length=60, unique=True)
    title = models.CharField("资源名称", max_length=100)
    description = models.TextField("资源摘要", blank=True)
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name="提供部门",
        on_delete=models.PROTECT,
        related_name="datasets",
    )
    # A platform table ("people.company") or empty for an external dataset entered by hand.
    source = models.CharField("数据来源表", max_length=60, blank=True)
    fields = models.JSONField(
        "数据项",
        default=list,
        blank=True,
        help_text='[{"name": "uscc", "label": "统一社会信用代码", "type": "string"}]',
    )
    frequency_days = models.PositiveIntegerField("更新周期(天)", default=30)
    sharing = models.CharField(
        "共享类型", max_length=14, choices=Sharing.choices, default=Sharing.CONDITIONAL
    )
    matters = models.ManyToManyField(
        "catalog.Matter", verbose_name="使用该资源的事项", blank=True, related_name="datasets"
    )
    policies = models.ManyToManyField(
        "policies.Policy", verbose_name="使用该资源的政策", blank=True, related_name="datasets"
    )
    # Open data: published columns only (checked at publish time: nothing personal).
    is_open = models.BooleanField("已开放", default=False)
    open_licence = models.CharField("开放许可", max_length=60, blank=True)
    downloads = models.PositiveIntegerField("下载次数", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "数据资源"
        verbose_name_plural = "数据资源目录"
        ordering = ["department_id", "code"]

    def __str__(self) -> str:
        return self.title


class QualityRule(models.Model):
    class Kind(models.TextChoices):
        COMPLETENESS = "completeness", "完整性"
        VALIDITY = "validity", "有效性"
        CONSISTENCY = "consistency", "一致性"
        TIMELINESS = "timeliness", "及时性"

    dataset = models.ForeignKey(
        Dataset, verbose_name="数据资源", on_delete=models.CASCADE, related_name="rules"
    )
    code = models.SlugField("规则编码", max_length=60, unique=True)
    name = models.CharField("规则名称", max_length=100)
    kind = models.CharField("规则类别", max_length=12, choices=Kind.choices)
    definition = models.JSONField("规则定义", default=dict, help_text="见数据治理说明")
    deadline_days = models.PositiveSmallIntegerField("整改时限(工作日)", default=5)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "质量规则"
        verbose_name_plural = "质量规则"
        ordering = ["dataset_id", "code"]

    def __str__(self) -> str:
        return self.name


class Finding(models.Model):
    class Status(models.TextChoices):
        CHECKED = "checked", "检查"
        VERIFIED = "verified", "校核"
        CONFIRMED = "confirmed", "确认"
        CORRECTED = "corrected", "更正"
        REJECTED = "rejected", "驳回"

    class Source(models.TextChoices):
        RULE = "rule", "规则检查"
        REPORT = "report", "办件人员报告"

    OPEN = (Status.CHECKED, Status.VERIFIED, Status.CONFIRMED)

    dataset = models.ForeignKey(
        Dataset, verbose_name="数据资源", on_delete=models.PROTECT, related_name="findings"
    )
    rule = models.ForeignKey(
        QualityRule,
        verbose_name="质量规则",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    source = models.CharField("来源", max_length=8, choices=Source.choices)
    record_type = models.CharField("记录类型", max_length=40)
    record_id = models.CharField("记录编号", max_length=40)
    field = models.CharField("问题数据项", max_length=60, blank=True)
    summary = models.CharField("问题说明", max_length=200)
    # The record's values (names, numbers) the finding is about: personal, encrypted at rest.
    detail = EncryptedJSONField("问题数据", default=dict, blank=True)
    application = models.ForeignKey(
        "cases.Application",
        verbose_name="关联办件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="data_findings",
    )
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.CHECKED, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_on = models.DateField("整改期限")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报告人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    correction = EncryptedJSONField("更正内容", default=dict, blank=True)
    reason = models.CharField("驳回理由", max_length=500, blank=True)
    created_at = models.DateTimeField("发现时间", auto_now_add=True)
    verified_at = models.DateTimeField("校核时间", null=True, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "数据问题"
        verbose_name_plural = "数据问题"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "record_id"],
                condition=models.Q(status__in=["checked", "verified", "confirmed"]),
                name="governance_one_open_finding",
            )
        ]
        indexes = [models.Index(fields=["record_type", "record_id"], name="gov_finding_record")]

    def __str__(self) -> str:
        return self.summary

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class QualityScore(models.Model):
    """One dataset's quality at one check run."""

    dataset = models.ForeignKey(
        Dataset, verbose_name="数据资源", on_delete=models.CASCADE, related_name="scores"
    )
    measured_at = models.DateTimeField("测评时间")
    records = models.PositiveIntegerField("记录数", default=0)
    passing = models.PositiveIntegerField("全部规则通过的记录数", default=0)
    open_findings = models.PositiveIntegerField("未办结问题数", default=0)
    avg_days_to_correct = models.DecimalField(
        "平均更正天数", max_digits=7, decimal_places=1, null=True, blank=True
    )

    class Meta:
        verbose_name = "质量评分"
        verbose_name_plural = "质量评分"
        ordering = ["dataset_id", "-measured_at", "-id"]

    def __str__(self) -> str:
        return f"{self.dataset} {self.score}"

    @property
    def score(self) -> float:
        return round(100.0 * self.passing / self.records, 1) if self.records else 100.0


class Scenario(models.Model):
    """A data application scenario of one of the twelve sectors, with the datasets it uses."""

    class Sector(models.TextChoices):
        GOVERNMENT = "government", "政务服务"
        INDUSTRY = "industry", "工业制造"
        AGRICULTURE = "agriculture", "现代农业"
        COMMERCE = "commerce", "商贸流通"
        TRANSPORT = "transport", "交通运输"
        FINANCE = "finance", "金融服务"
        SCIENCE = "science", "科技创新"
        CULTURE = "culture", "文化旅游"
        HEALTH = "health", "医疗健康"
        EMERGENCY = "emergency", "应急管理"
        ENVIRONMENT = "environment", "绿色低碳"
        CITY = "city", "城市治理"

    sector = models.CharField("行业领域", max_length=12, choices=Sector.choices)
    name = models.CharField("场景名称", max_length=100)
    description = models.TextField("场景说明", blank=True)
    datasets = models.ManyToManyField(
        Dataset, verbose_name="使用的数据资源", blank=True, related_name="scenarios"
    )

    class Meta:
        verbose_name = "数据应用场景"
        verbose_name_plural = "数据应用场景"
        ordering = ["sector", "id"]

    def __str__(self) -> str:
        return self.name


class DataRequest(models.Model):
    """供需对接: a department asks another for one of its datasets."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待答复"
        AGREED = "agreed", "已同意"
        REFUSED = "refused", "不予提供"
        DELIVERED = "delivered", "已交付"

    class Delivery(models.TextChoices):
        EXPORT = "export", "数据导出文件"
        API = "api", "接口授权"

    dataset = models.ForeignKey(
        Dataset, verbose_name="申请的数据资源", on_delete=models.PROTECT, related_name="requests"
    )
    requester = models.ForeignKey(
        "catalog.Department",
        verbose_name="需求部门",
        on_delete=models.PROTECT,
        related_name="data_requests",
    )
    purpose = models.TextField("用途")
    legal_basis = models.TextField("依据")
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    due_on = models.DateField("答复期限")
    terms = models.TextField("使用条件", blank=True)
    delivery = models.CharField("交付方式", max_length=8, choices=Delivery.choices, blank=True)
    answer = models.TextField("答复意见", blank=True)
    outcome = models.TextField("对接结果", blank=True)
    delivered_file = models.TextField("交付文件", blank=True, editable=False)
    api_token_ref = models.CharField("接口授权编号", max_length=80, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    delivered_at = models.DateTimeField("交付时间", null=True, blank=True)

    class Meta:
        verbose_name = "数据供需申请"
        verbose_name_plural = "数据供需申请"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.requester} · {self.dataset}"
