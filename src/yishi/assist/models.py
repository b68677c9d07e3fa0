"""帮办代办: requests for help (chat, call-back, on-site helper, 代办) and what answers them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AssistRequest(models.Model):
    """One person's request for help, from asking to its outcome. The rates (响应率, 解决率,
    满意度) are counted over these rows; its 好差评 ratings point here (related name
    `ratings`, yishi.ratings)."""

    class Channel(models.TextChoices):
        CHAT = "chat", "在线帮办"
        CALLBACK = "callback", "预约回电"
        ONSITE = "onsite", "现场帮办"
        PROXY = "proxy", "代办"

    class Status(models.TextChoices):
        OPEN = "open", "待响应"
        ACTIVE = "active", "处理中"
        RESOLVED = "resolved", "已解决"
        UNRESOLVED = "unresolved", "未能解决"
        CANCELLED = "cancelled", "已取消"

    channel = models.CharField("帮办方式", max_length=10, choices=Channel.choices)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    # The person helped: an applicant account when signed in (None for an anonymous chat).
    account = models.ForeignKey(
        "people.ApplicantAccount",
        verbose_name="申请人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assist_requests",
    )
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name="责任部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assist_requests",
    )
    matter = models.ForeignKey(
        "catalog.Matter",
        verbose_name="事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assist_requests",
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="帮办人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assist_requests_handled",
    )
    created_at = models.DateTimeField("提出时间", auto_now_add=True, db_index=True)
    first_response_at = models.DateTimeField("首次响应时间", null=True, blank=True)
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "帮办代办请求"
        verbose_name_plural = "帮办代办请求"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk}"
