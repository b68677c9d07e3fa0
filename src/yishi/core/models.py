from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from yishi.core.fields import EncryptedJSONField, EncryptedTextField


class AuditEntry(models.Model):
    """One state change, appended to a hash chain: hash = SM3(prev_hash + canonical row)."""

    at = models.DateTimeField("时间", db_index=True)
    actor = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("动作", max_length=100, db_index=True)
    # Indexed so the admin's filter lists its values by skipping through the index.
    object_type = models.CharField("对象类型", max_length=100, blank=True, db_index=True)
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


class AuditCheckpoint(models.Model):
    """The audit chain's head as it stood at `signed_at`, signed with the platform's SM2 key.

    Someone with write access to the database can rewrite an entry and recompute every hash
    after it, and the chain check alone passes; the rewritten entry no longer carries the hash
    a checkpoint signed, and forging the signature needs the private key, which the database
    holds only SM4-encrypted under keys kept elsewhere (yishi.core.checkpoints).
    """

    entry_id = models.BigIntegerField("审计条目编号")
    hash = models.CharField("链头哈希", max_length=64)
    signature = models.TextField("SM2 签名(DER 十六进制)")
    key_id = models.CharField("签名密钥", max_length=64)
    signed_at = models.DateTimeField("签名时间", db_index=True)

    class Meta:
        verbose_name = "审计链头签名"
        verbose_name_plural = "审计链头签名"
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"#{self.entry_id} {self.hash[:12]}… ({self.signed_at:%Y-%m-%d %H:%M})"


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
    # Encrypted at rest; once delivered it is emptied ({}) and only `payload_sm3` remains.
    payload = EncryptedJSONField("内容")
    payload_sm3 = models.CharField(
        "已发送内容 SM3 摘要",
        max_length=64,
        blank=True,
        help_text="投递成功时所发送内容的 SM3 摘要",
    )
    # Messages with the same key and destination arrive in the order they were written: one
    # waits while an earlier one is undelivered (pending or dead). "case:<number>" per case.
    ordering_key = models.CharField(
        "顺序键",
        max_length=100,
        blank=True,
        default="",
        help_text="同一顺序键、同一目标通道的消息按写入顺序投递，前一条送达后才投递下一条",
    )
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
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(
                fields=["ordering_key", "destination", "id"],
                name="outbox_order_idx",
                condition=~models.Q(ordering_key="") & ~models.Q(status="delivered"),
            ),
        ]

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


class StoredFile(models.Model):
    """One accepted upload (a scan or photo of a material), checked by content.

    One row per upload, so each keeps its own original name, uploader and time; the bytes are
    stored once per content, SM4-encrypted, under uploads/<2 hex>/<HMAC-SM3>.<ext> (a keyed
    address: `sm3` below, the plaintext's digest, never appears in a path), and rows with
    equal content share that file. Read them with `yishi.core.uploads.read_stored`.
    """

    sm3 = models.CharField("SM3 摘要", max_length=64, db_index=True)
    size = models.PositiveBigIntegerField("大小(字节)")
    content_type = models.CharField("内容类型", max_length=100)
    original_name = models.CharField("原文件名", max_length=255)
    file = models.FileField("存储路径", max_length=255)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "上传文件"
        verbose_name_plural = "上传文件"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.content_type}, {self.size} 字节)"


class IdempotencyRecord(models.Model):
    """The outcome of one request made with an Idempotency-Key, replayed on a repeat.

    The row is inserted before the action runs and completed in the same transaction, so the
    unique constraint makes a concurrent duplicate wait for the first and then replay it.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "处理中"
        COMPLETED = "completed", "已完成"

    key = models.CharField("幂等键", max_length=200)
    scope = models.CharField("范围", max_length=100)
    owner = models.CharField("请求方", max_length=150, blank=True)
    request_hash = models.CharField("请求摘要(SM3)", max_length=64)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.IN_PROGRESS
    )
    response_status = models.PositiveSmallIntegerField("响应状态码", null=True, blank=True)
    response_body = models.JSONField("响应内容", null=True, blank=True)
    resource_id = models.CharField("资源标识", max_length=100, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("过期时间", db_index=True)

    class Meta:
        verbose_name = "幂等记录"
        verbose_name_plural = "幂等记录"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "owner", "key"], name="idempotency_unique_scope_owner_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.owner or '匿名'} {self.key}"


class DomainEvent(models.Model):
    """Something that happened in a lower app that higher apps react to, recorded in the same
    transaction as the change; the handlers registered for its name run after commit."""

    name = models.CharField("事件名称", max_length=100, db_index=True)
    payload = models.JSONField("内容", default=dict, blank=True)
    created_at = models.DateTimeField("发生时间", auto_now_add=True)
    dispatched_at = models.DateTimeField(
        "处理完成时间",
        null=True,
        blank=True,
        help_text="分发时已登记的全部处理程序都成功后填写；为空表示仍有处理程序未完成。",
    )

    class Meta:
        verbose_name = "领域事件"
        verbose_name_plural = "领域事件"
        ordering = ["id"]
        indexes = [
            # Dispatch looks at undispatched events only; they are few at any time.
            models.Index(
                fields=["name", "id"],
                name="event_pending_idx",
                condition=models.Q(dispatched_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"


class EventHandling(models.Model):
    """The outcome of one handler on one event; the unique (event, handler) row, marked done in
    the handler's own transaction, is what makes a handler succeed at most once."""

    class Status(models.TextChoices):
        PENDING = "pending", "待处理"
        DONE = "done", "已完成"
        FAILED = "failed", "失败待重试"

    event = models.ForeignKey(
        DomainEvent, verbose_name="事件", on_delete=models.CASCADE, related_name="handlings"
    )
    handler = models.CharField("处理程序", max_length=200)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField("已尝试次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    next_attempt_at = models.DateTimeField("下次尝试时间")
    done_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "事件处理记录"
        verbose_name_plural = "事件处理记录"
        ordering = ["event_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="event_handling_once")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="event_handling_due_idx")
        ]

    def __str__(self) -> str:
        return f"{self.handler} ← #{self.event_id} ({self.get_status_display()})"


class SigningKey(models.Model):
    """An SM2 key pair of one owner ("platform", later "dept:<code>" seals). The private key is
    kept as SM4-encrypted PEM and never leaves the signing module; retired keys still verify."""

    owner = models.CharField("所属", max_length=100, db_index=True)
    key_id = models.CharField("密钥标识", max_length=32, unique=True)
    public_pem = models.TextField("公钥(PEM)")
    private_pem_encrypted = models.TextField("私钥(SM4 加密)")
    active = models.BooleanField("启用中", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    retired_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = "签名密钥"
        verbose_name_plural = "签名密钥(SM2)"
        ordering = ["owner", "-id"]
        constraints = [
            # One signing key per owner at a time: concurrent first uses cannot make two.
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(active=True),
                name="signing_key_one_active_per_owner",
            )
        ]

    def __str__(self) -> str:
        state = "启用中" if self.active else "已停用"
        return f"{self.owner} {self.key_id}（{state}）"


class StaffSession(models.Model):
    """A signed-in staff session, so that staff can list their own sessions and end one
    (yishi.workbench.security). Found by the SM3 digest of the session key; the key itself is
    kept only SM4-encrypted, for deleting Django's session row when the session is ended.
    Written at sign-in, last_seen at most once a minute, removed at sign-out or when ended."""

    key_digest = models.CharField("会话标识摘要(SM3)", max_length=64, unique=True)
    key_encrypted = EncryptedTextField("会话标识(SM4 加密)")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_sessions",
        verbose_name="用户",
    )
    created_at = models.DateTimeField("登录时间")
    last_seen = models.DateTimeField("最近活动")
    # "Chrome · Windows", never the whole User-Agent string.
    device = models.CharField("浏览器与系统", max_length=60, blank=True)
    address_masked = models.CharField("登录地址(已遮盖)", max_length=64, blank=True)

    class Meta:
        verbose_name = "工作人员登录会话"
        verbose_name_plural = "工作人员登录会话"
        ordering = ["-last_seen", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.device} {self.address_masked}"


class PeriodicJob(models.Model):
    """One row per periodic job of yishi/schedule.py: the last due time a scheduler claimed.
    A scheduler enqueues a job's run only after moving `due_at` forward with a conditional
    UPDATE, so two schedulers started by mistake enqueue each due run once (yishi.core.scheduler)."""

    name = models.CharField("任务", max_length=200, primary_key=True)
    schedule = models.CharField("周期", max_length=100, blank=True)
    due_at = models.DateTimeField("最近一次应运行时间", null=True, blank=True)
    claimed_at = models.DateTimeField("排入队列时间", null=True, blank=True)
    claimed_by = models.CharField("调度进程", max_length=200, blank=True)
    task_id = models.CharField("任务执行编号", max_length=64, blank=True)

    class Meta:
        verbose_name = "定时任务"
        verbose_name_plural = "定时任务"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.schedule}）"
