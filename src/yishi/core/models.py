from __future__ import annotations

import uuid

from django.db import models


class AuditEntry(models.Model):
    """One state change, appended to a hash chain: hash = SM3(prev_hash + canonical row)."""

    at = models.DateTimeField("时间", db_index=True)
    actor = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("动作", max_length=100, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象标识", max_length=100, blank=True, db_index=True)
    data = models.JSONField("内容", default=dict, blank=True)
    prev_hash = models.CharField("前一条哈希", max_length=64)
    hash = models.CharField("本条哈希", max_length=64, unique=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["id"]
        # Two entries on one predecessor would fork the chain: the database refuses it.
        constraints = [models.UniqueConstraint(fields=["prev_hash"], name="audit_no_fork")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"


class OutboxMessage(models.Model):
    """A push to an outside system, written in the same transaction as the change it reports
    and delivered later by a task with retries. `delivery_id` lets the receiver de-duplicate."""

    class Status(models.TextChoices):
        PENDING = "pending", "待投递"
        DELIVERED = "delivered", "已投递"
        DEAD = "dead", "投递失败(死信)"

    delivery_id = models.UUIDField("投递标识", default=uuid.uuid4, unique=True, editable=False)
    topic = models.CharField("主题", max_length=100, db_index=True)
    destination = models.CharField("目标通道", max_length=100)
    payload = models.JSONField("内容")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", db_index=True)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    delivered_at = models.DateTimeField("投递时间", null=True, blank=True)

    class Meta:
        verbose_name = "外发消息"
        verbose_name_plural = "外发消息(发件箱)"
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.topic} → {self.destination} ({self.get_status_display()})"


class CalendarDay(models.Model):
    """An administrator's ruling on one date: overrides chinese-calendar, and is the only
    source for years the package does not know yet."""

    class Kind(models.TextChoices):
        WORKDAY = "workday", "工作日(含调休上班)"
        HOLIDAY = "holiday", "休息日(法定节假日)"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("说明", max_length=50, blank=True, help_text="如：春节、国庆节调休上班")

    class Meta:
        verbose_name = "工作日历"
        verbose_name_plural = "工作日历(节假日与调休)"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"
