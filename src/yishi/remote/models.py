"""Tables of the remote virtual window (远程虚拟窗口). The queue itself is the hall's: a
remote ticket is a hall Ticket (channel 远程视频办理) called by a clerk signed on to a hall
Window of kind 远程虚拟窗口. Here is what a video session adds to it: who takes part, the
form filled in the session and the person's confirmation, the identity check, the chat, and
the recording made only with the person's consent (stored SM4-encrypted)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from yishi.core.fields import EncryptedJSONField, EncryptedTextField


class RemoteSession(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "等候中"
        LIVE = "live", "视频办理中"
        ENDED = "ended", "已结束"
        CANCELLED = "cancelled", "已取消"

    ticket = models.OneToOneField(
        "hall.Ticket",
        verbose_name="排队号",
        on_delete=models.PROTECT,
        related_name="remote_session",
    )
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="群众账号",
        on_delete=models.PROTECT,
        related_name="remote_sessions",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name="办事群众",
        on_delete=models.PROTECT,
        related_name="remote_sessions",
    )
    point = models.ForeignKey(
        "hall.Outlet",
        verbose_name="所在便民服务点",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="remote_sessions_from",
        help_text="在乡镇(街道)或村(社区)的远程服务终端办理时填写；用自己的手机办理时为空",
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="remote_sessions_served",
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField("取号时间", auto_now_add=True)
    started_at = models.DateTimeField("接通时间", null=True, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    # The form filled in the session lives in a cases draft of the person's (their own draft,
    # which their portal lists); once submitted, `application` is the case.
    draft = models.ForeignKey(
        "cases.Application",
        verbose_name="申请草稿",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    application = models.ForeignKey(
        "cases.Application",
        verbose_name="受理办件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="remote_sessions",
    )
    # Identity check, step by step (the three are recorded together in IdentityCheck).
    card_checked_at = models.DateTimeField("身份证识别核验时间", null=True, blank=True)
    card_result = EncryptedJSONField("身份证识别结果", default=dict, blank=True)
    sms_checked_at = models.DateTimeField("短信验证时间", null=True, blank=True)
    # The person's confirmation of the form: the SM3 digest of what they saw, and their name
    # typed as a signature.
    confirmed_digest = models.CharField("确认内容摘要(SM3)", max_length=64, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    signature = EncryptedTextField("确认签名", blank=True)
    recording_consent = models.BooleanField("同意录像", null=True, blank=True)
    consent_at = models.DateTimeField("录像意愿表示时间", null=True, blank=True)

    class Meta:
        verbose_name = "远程视频办理"
        verbose_name_plural = "远程视频办理"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"远程办理 {self.ticket.number}"

    @property
    def identity_ok(self) -> bool:
        return self.identity_checks.filter(passed=True).exists()


class IdentityCheck(models.Model):
    """One remote identity check: the ID card read by recognition (number, name and birth
    date against the registry entry of the ticket's person), the SMS code to the person's
    phone on record, and the clerk's visual comparison — recorded together."""

    session = models.ForeignKey(
        RemoteSession,
        verbose_name="远程办理",
        on_delete=models.CASCADE,
        related_name="identity_checks",
    )
    card_ok = models.BooleanField("身份证识别一致")
    card_detail = EncryptedJSONField("身份证识别结果", default=dict, blank=True)
    card_checked_at = models.DateTimeField("身份证识别时间", null=True, blank=True)
    sms_ok = models.BooleanField("短信验证码通过")
    sms_checked_at = models.DateTimeField("短信验证时间", null=True, blank=True)
    visual_ok = models.BooleanField("工作人员视频比对一致")
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核验人员",
        on_delete=models.PROTECT,
        related_name="+",
    )
    passed = models.BooleanField("核验通过")
    note = models.CharField("说明", max_length=200, blank=True)
    checked_at = models.DateTimeField("核验时间")

    class Meta:
        verbose_name = "远程身份核验"
        verbose_name_plural = "远程身份核验"
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{self.session} {'通过' if self.passed else '未通过'}"


class RemoteMessage(models.Model):
    class Sender(models.TextChoices):
        PERSON = "person", "群众"
        CLERK = "clerk", "工作人员"

    session = models.ForeignKey(
        RemoteSession, verbose_name="远程办理", on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.CharField("发送方", max_length=10, choices=Sender.choices)
    body = EncryptedTextField("内容")
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "远程办理消息"
        verbose_name_plural = "远程办理消息"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_sender_display()} {self.at:%H:%M}"


class Recording(models.Model):
    """The audio and video of one session, recorded in the clerk's browser only after the
    person agreed; its pieces are stored SM4-encrypted and deleted after
    YISHI_REMOTE_RECORDING_DAYS days."""

    session = models.OneToOneField(
        RemoteSession, verbose_name="远程办理", on_delete=models.CASCADE, related_name="recording"
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人员",
        on_delete=models.PROTECT,
        related_name="+",
    )
    content_type = models.CharField("格式", max_length=60, default="video/webm")
    size = models.PositiveBigIntegerField("大小(字节)", default=0)
    started_at = models.DateTimeField("开始录像时间")
    expires_at = models.DateTimeField("保存期限")

    class Meta:
        verbose_name = "远程办理录像"
        verbose_name_plural = "远程办理录像"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.session} 录像"


class RecordingChunk(models.Model):
    recording = models.ForeignKey(
        Recording, verbose_name="录像", on_delete=models.CASCADE, related_name="chunks"
    )
    seq = models.PositiveIntegerField("序号")
    path = models.CharField("存储路径", max_length=255)
    size = models.PositiveIntegerField("大小(字节)")
    sm3 = models.CharField("SM3 摘要", max_length=64)

    class Meta:
        verbose_name = "录像片段"
        verbose_name_plural = "录像片段"
        ordering = ["recording", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["recording", "seq"], name="remote_chunk_seq_unique"),
            models.CheckConstraint(condition=Q(size__gt=0), name="remote_chunk_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.recording} #{self.seq}"
