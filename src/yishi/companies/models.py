"""Company e-seals (企业电子印章, 云网签) and the documents signed with them.

A company's seal is an SM2 key held by yishi.core.signing under the owner "company:<USCC>":
applied for by someone acting for the company, confirmed by its verified legal
representative (only then is the key made), revocable. A sealed document keeps the exact
canonical text that was signed and the signature; its PDF (made on download) carries both as
the attachment signature.json, so anyone holding the published key verifies it offline.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from yishi.core.fields import EncryptedTextField
from yishi.people.models import Company


def company_owner(uscc: str) -> str:
    """The core.signing owner name of a company's seal key."""
    return f"company:{uscc}"


class CompanySeal(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待法定代表人确认"
        ACTIVE = "active", "启用中"
        REVOKED = "revoked", "已注销"

    company = models.ForeignKey(
        Company, verbose_name="企业", on_delete=models.PROTECT, related_name="seals"
    )
    name = models.CharField("印章名称", max_length=160)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    key_id = models.CharField("密钥标识", max_length=32, blank=True, db_index=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人账号",
        on_delete=models.PROTECT,
        related_name="+",
    )
    applied_at = models.DateTimeField("申请时间", auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人账号(法定代表人)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("启用时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="注销人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField("注销时间", null=True, blank=True)
    revoked_reason = models.CharField("注销原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "企业电子印章"
        verbose_name_plural = "企业电子印章"
        ordering = ["-id"]
        constraints = [
            # One seal in force or waiting per company: a second application is refused.
            models.UniqueConstraint(
                fields=["company"],
                condition=models.Q(status__in=["pending", "active"]),
                name="companies_one_open_seal",
                violation_error_message="该企业已有待确认或启用中的电子印章",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_status_display()}）"

    @property
    def owner(self) -> str:
        return company_owner(self.company.uscc)


class SealedDocument(models.Model):
    """A document the company signed with its seal: the canonical data (what the signature
    covers, personal data possibly inside: encrypted at rest), the signature, and for an
    uploaded PDF the original file (its SM3 digest is in the data)."""

    class Kind(models.TextChoices):
        COMMITMENT = "commitment", "承诺书"
        FORM = "form", "表单"
        CONTRACT = "contract", "合同"

    ref = models.UUIDField("文书编号", default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(
        Company, verbose_name="企业", on_delete=models.PROTECT, related_name="sealed_documents"
    )
    seal = models.ForeignKey(
        CompanySeal, verbose_name="电子印章", on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField("文书类别", max_length=12, choices=Kind.choices)
    title = models.CharField("标题", max_length=120)
    data = EncryptedTextField("签署原文(规范化数据)")
    signature = models.JSONField("签章(SM2)", default=dict, editable=False)
    original = models.ForeignKey(
        "core.StoredFile",
        verbose_name="原始文件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    commitment = models.OneToOneField(
        "credit.Commitment",
        verbose_name="承诺书",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="company_seal",
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用印人账号",
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField("用印时间")

    class Meta:
        verbose_name = "企业签章文书"
        verbose_name_plural = "企业签章文书"
        ordering = ["-signed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.title}"
