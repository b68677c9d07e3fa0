"""Commitments (告知承诺 / 容缺承诺) signed at acceptance, the items they promise, credit
records per subject, the blacklist (失信名单) and credit repair (信用修复).

A subject is a person or a company, never both: every table that names one carries a check
constraint. Statuses change only through yishi.credit.commitments and yishi.credit.services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from yishi.cases.models import Application
from yishi.catalog.models import Material, Matter
from yishi.core.models import StoredFile
from yishi.people.models import Company, Person

_ONE_SUBJECT = models.Q(person__isnull=False, company__isnull=True) | models.Q(
    person__isnull=True, company__isnull=False
)


def _subject_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=_ONE_SUBJECT,
        name=name,
        violation_error_message="信用主体须且只能是一个自然人或一个法人",
    )


class SubjectMixin(models.Model):
    person = models.ForeignKey(
        Person,
        verbose_name="自然人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    company = models.ForeignKey(
        Company,
        verbose_name="法人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def subject(self) -> Person | Company:
        return self.company if self.company_id else self.person

    @property
    def subject_name(self) -> str:
        return str(self.subject)


class Commitment(SubjectMixin):
    class Kind(models.TextChoices):
        DEFERRAL = "deferral", "容缺承诺"
        PROOF = "proof", "证明事项告知承诺"
        BOTH = "both", "容缺承诺及告知承诺"

    class SignerRole(models.TextChoices):
        APPLICANT = "applicant", "申请人本人"
        AGENT = "agent", "企业经办人"

    class Status(models.TextChoices):
        SIGNED = "signed", "已签署"
        ACTIVE = "active", "履行中"
        KEPT = "kept", "已履行"
        BROKEN = "broken", "已失信"

    application = models.ForeignKey(
        Application, verbose_name="申请", on_delete=models.PROTECT, related_name="commitments"
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签署人账号",
        on_delete=models.PROTECT,
        related_name="+",
    )
    signer_name = models.CharField("签署人姓名", max_length=50)
    signer_role = models.CharField("签署身份", max_length=10, choices=SignerRole.choices)
    kind = models.CharField("承诺类型", max_length=10, choices=Kind.choices)
    text = models.TextField("承诺书全文(签署原文)")
    digest = models.CharField("承诺书摘要(SM3)", max_length=64)
    signature = models.JSONField("电子签名")
    signed_at = models.DateTimeField("签署时间")
    signed_on = models.DateField("签署日期")
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.SIGNED, db_index=True
    )
    kept_at = models.DateTimeField("履行完毕时间", null=True, blank=True)
    broken_reason = models.TextField("失信原因", blank=True)
    broken_at = models.DateTimeField("失信时间", null=True, blank=True)

    class Meta:
        verbose_name = "承诺书"
        verbose_name_plural = "承诺书(告知承诺/容缺承诺)"
        ordering = ["-id"]
        constraints = [
            _subject_constraint("credit_commitment_one_subject"),
            # At most one open commitment per application, whatever the race.
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(status__in=["signed", "active"]),
                name="credit_commitment_one_open_per_application",
                violation_error_message="该申请已有签署的承诺书",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.number} · {self.get_kind_display()}"


class CommitmentItem(models.Model):
    class Kind(models.TextChoices):
        DEFERRED = "deferred", "容缺后补材料"
        PROOF = "proof", "以承诺替代的证明"

    commitment = models.ForeignKey(
        Commitment, verbose_name="承诺书", on_delete=models.CASCADE, related_name="items"
    )
    matter = models.ForeignKey(
        Matter, verbose_name="事项", on_delete=models.PROTECT, related_name="+"
    )
    material = models.ForeignKey(
        Material, verbose_name="材料", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("材料名称", max_length=150)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    defer_days = models.PositiveSmallIntegerField("补交期限(工作日)", null=True, blank=True)
    due = models.DateField("补交截止日期", null=True, blank=True, help_text="告知承诺事项为空")
    fulfilled_at = models.DateTimeField("补交时间", null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="收件人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    fulfilled_file = models.ForeignKey(
        StoredFile,
        verbose_name="补交文件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)

    class Meta:
        verbose_name = "承诺事项"
        verbose_name_plural = "承诺事项"
        ordering = ["commitment", "due", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "material"], name="credit_item_unique_material"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CreditRecord(SubjectMixin):
    class Kind(models.TextChoices):
        KEPT = "kept", "守信(履行承诺)"
        BROKEN = "broken", "失信(违反承诺)"
        PENALTY = "penalty", "行政处罚"
        REPAIR = "repair", "信用修复"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices, db_index=True)
    reason = models.TextField("事由")
    source_type = models.CharField("来源对象类型", max_length=50, blank=True)
    source_id = models.CharField("来源对象标识", max_length=50, blank=True)
    application = models.ForeignKey(
        Application,
        verbose_name="相关申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    occurred_on = models.DateField("发生日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    repaired_by = models.ForeignKey(
        "self",
        verbose_name="修复记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repairs_of",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "信用记录"
        verbose_name_plural = "信用记录"
        ordering = ["-occurred_on", "-id"]
        constraints = [_subject_constraint("credit_record_one_subject")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on} {self.subject_name}"


class Blacklist(SubjectMixin):
    reason = models.TextField("列入原因")
    listed_on = models.DateField("列入日期")
    until = models.DateField("期满日期", null=True, blank=True, help_text="留空表示直至修复")
    listed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="列入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lifted_at = models.DateTimeField("移出时间", null=True, blank=True)
    lifted_reason = models.TextField("移出原因", blank=True)

    class Meta:
        verbose_name = "失信名单"
        verbose_name_plural = "失信名单"
        ordering = ["-listed_on", "-id"]
        constraints = [_subject_constraint("credit_blacklist_one_subject")]

    def __str__(self) -> str:
        return f"{self.subject_name} {self.listed_on}"


class CreditRepair(SubjectMixin):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待审核"
        APPROVED = "approved", "已修复"
        REFUSED = "refused", "不予修复"

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人账号",
        on_delete=models.PROTECT,
        related_name="+",
    )
    statement = models.TextField("修复申请理由及整改情况")
    records = models.ManyToManyField(
        CreditRecord, verbose_name="申请修复的记录", blank=True, related_name="repair_requests"
    )
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    submitted_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_note = models.TextField("审核意见", blank=True)
    repair_record = models.ForeignKey(
        CreditRecord,
        verbose_name="修复记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "信用修复申请"
        verbose_name_plural = "信用修复申请"
        ordering = ["-id"]
        constraints = [_subject_constraint("credit_repair_one_subject")]

    def __str__(self) -> str:
        return f"{self.subject_name} {self.get_status_display()}"
