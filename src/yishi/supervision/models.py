"""Supervision tasks (事中事后核查): one per approved sub-case of a supervised matter, owned by
the supervising department, decided once as compliant or non-compliant."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from yishi.cases.models import Application, SubCase
from yishi.catalog.models import Department, Matter


class SupervisionTask(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "待核查"
        COMPLIANT = "compliant", "合规"
        NON_COMPLIANT = "non_compliant", "不合规"

    subcase = models.ForeignKey(
        SubCase,
        verbose_name="审批子件",
        on_delete=models.PROTECT,
        related_name="supervision_tasks",
    )
    application = models.ForeignKey(
        Application,
        verbose_name="申请",
        on_delete=models.PROTECT,
        related_name="supervision_tasks",
    )
    matter = models.ForeignKey(
        Matter, verbose_name="事项", on_delete=models.PROTECT, related_name="supervision_tasks"
    )
    approving_department = models.ForeignKey(
        Department,
        verbose_name="审批部门",
        on_delete=models.PROTECT,
        related_name="approved_supervision_tasks",
    )
    supervising_department = models.ForeignKey(
        Department,
        verbose_name="监管部门",
        on_delete=models.PROTECT,
        related_name="supervision_tasks",
    )
    created_on = models.DateField("审批日期")
    due_on = models.DateField("核查期限", db_index=True)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    findings = models.TextField("核查发现", blank=True)
    commitment_false = models.BooleanField(
        "承诺不实", default=False, help_text="核查发现申请人的告知承诺与实际情况不符"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办监管人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核查人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("核查时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "监管任务"
        verbose_name_plural = "监管任务(审管衔接)"
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subcase"],
                name="supervision_task_one_per_subcase",
                violation_error_message="每个审批子件只能有一个监管任务",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application.number} · {self.matter.name}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def document_id(self) -> str:
        """The approval document's id on the supervision platform (stable per sub-case)."""
        return approval_document_id(self.application.number, self.subcase_id)


def approval_document_id(number: str, subcase_id: int) -> str:
    return f"{number}-{subcase_id}"
