"""帮办代办: requests for help (chat, call-back, on-site helper, 代办) and what answers them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from yishi.core.fields import EncryptedTextField


class AssistRequest(models.Model):
    """One person's request for help, from asking to its outcome. The rates (响应率, 解决率,
    满意度) are counted over these rows; its 好差评 ratings point here (related name
    `ratings`, yishi.ratings)."""

    class Channel(models.TextChoices):
        CHAT = "chat", "在线帮办"
        CALLBACK = "callback", "预约回电"
        ONSITE = "onsite", "现场帮办"
        PROXY = "proxy", "代办"

    class Kind(models.TextChoices):
        GENERAL = "general", "一般帮办"
        POLICY_CONSULT = "policy_consult", "政策咨询"
        POLICY_COACHING = "policy_coaching", "申报辅导"
        POLICY_REFERRAL = "policy_referral", "转办代办"

    class Outcome(models.TextChoices):
        ANSWERED = "answered", "已解答"
        APPLIED = "applied", "已完成申报"
        REFERRED = "referred", "已转办并办结"
        HANDLED = "handled", "已代为办结"
        NOT_ELIGIBLE = "not_eligible", "经核实不符合条件"
        UNRESOLVED = "unresolved", "未能解决"

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
    # What the person asks (personal: may name them, their family, their case).
    question = EncryptedTextField("问题描述", blank=True)
    # A chat about a draft: the clerk sees it only while the person's consent stands.
    draft = models.ForeignKey(
        "cases.Application",
        verbose_name="相关草稿",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assist_requests",
    )
    draft_consent = models.BooleanField("同意帮办人员查看并代填草稿", default=False)
    # A call-back: the number to call (encrypted; its blind index finds repeat callers).
    phone = EncryptedTextField("回电号码", blank=True)
    phone_index = models.CharField("回电号码索引", max_length=64, blank=True, editable=False)
    preferred_at = models.DateTimeField("期望回电时间", null=True, blank=True)
    # An on-site helper: the green-channel request or the ticket it came from.
    green_request = models.ForeignKey(
        "hall.GreenChannelRequest",
        verbose_name="绿色通道服务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assist_requests",
    )
    ticket = models.ForeignKey(
        "hall.Ticket",
        verbose_name="排队号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assist_requests",
    )
    authorisation = models.ForeignKey(
        "assist.ProxyAuthorisation",
        verbose_name="代办授权书",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
    )
    outcome = models.CharField("办理结果", max_length=300, blank=True)
    # 惠企政策服务台 (yishi.assist.desk): what kind of help a company asked for about a
    # policy, and how it ended.
    kind = models.CharField(
        "服务类别", max_length=20, choices=Kind.choices, default=Kind.GENERAL, db_index=True
    )
    company = models.ForeignKey(
        "people.Company",
        verbose_name="服务企业",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assist_requests",
    )
    policy = models.ForeignKey(
        "policies.Policy",
        verbose_name="相关政策",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assist_requests",
    )
    referred_to = models.ForeignKey(
        "catalog.Department",
        verbose_name="转办部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assist_referrals",
    )
    outcome_kind = models.CharField(
        "办理结果类别", max_length=20, choices=Outcome.choices, blank=True
    )

    class Meta:
        verbose_name = "帮办代办请求"
        verbose_name_plural = "帮办代办请求"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["green_request"],
                condition=Q(green_request__isnull=False),
                name="assist_one_request_per_green",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk}"


class AssistMessage(models.Model):
    """One line of a chat (personal: stored encrypted)."""

    class Sender(models.TextChoices):
        PERSON = "person", "群众"
        CLERK = "clerk", "帮办人员"
        SYSTEM = "system", "系统"

    request = models.ForeignKey(
        AssistRequest, verbose_name="帮办请求", on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.CharField("发送方", max_length=10, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发送人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = EncryptedTextField("内容")
    created_at = models.DateTimeField("发送时间", auto_now_add=True)

    class Meta:
        verbose_name = "帮办消息"
        verbose_name_plural = "帮办消息"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_sender_display()} #{self.pk}"


class AssistProposal(models.Model):
    """A value a clerk proposes for one field of the person's draft; written into the draft
    only when the person accepts it (on their own device)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        ACCEPTED = "accepted", "已采纳"
        DECLINED = "declined", "未采纳"

    request = models.ForeignKey(
        AssistRequest, verbose_name="帮办请求", on_delete=models.CASCADE, related_name="proposals"
    )
    field_key = models.CharField("字段", max_length=60)
    field_label = models.CharField("字段名称", max_length=100)
    value = EncryptedTextField("建议填写的内容")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="建议人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField("建议时间", auto_now_add=True)
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "代填建议"
        verbose_name_plural = "代填建议"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.field_label} #{self.pk}"


class ProxyAuthorisation(models.Model):
    """A person's signed authorisation for staff to act for them (代办): for some matters or
    all, until an expiry date; valid only once the person confirmed it."""

    class Status(models.TextChoices):
        PENDING = "pending", "待本人确认"
        CONFIRMED = "confirmed", "已确认"
        REVOKED = "revoked", "已撤销"

    person = models.ForeignKey(
        "people.Person",
        verbose_name="委托人",
        on_delete=models.PROTECT,
        related_name="proxy_authorisations",
    )
    account = models.ForeignKey(
        "people.ApplicantAccount",
        verbose_name="委托人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proxy_authorisations",
    )
    all_matters = models.BooleanField("授权范围：全部事项", default=False)
    matters = models.ManyToManyField(
        "catalog.Matter", verbose_name="授权事项", blank=True, related_name="+"
    )
    valid_until = models.DateField("有效期至")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人员",
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    confirmed_at = models.DateTimeField("本人确认时间", null=True, blank=True)
    # SM3 of what the person confirmed (scope, expiry, who recorded it).
    confirmation_digest = models.CharField("确认内容摘要(SM3)", max_length=64, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "代办授权书"
        verbose_name_plural = "代办授权书"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"代办授权书 #{self.pk}"

    @property
    def scope_label(self) -> str:
        if self.all_matters:
            return "全部事项"
        return "、".join(m.name for m in self.matters.all()) or "（未选事项）"


class ProxyAct(models.Model):
    """One act staff did in the person's name under an authorisation ("由×××代办")."""

    authorisation = models.ForeignKey(
        ProxyAuthorisation, verbose_name="代办授权书", on_delete=models.PROTECT, related_name="acts"
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代办人员",
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField("事项", max_length=40)
    application = models.ForeignKey(
        "cases.Application",
        verbose_name="申请",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proxy_acts",
    )
    note = models.CharField("记录", max_length=300)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "代办记录"
        verbose_name_plural = "代办记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.note
