"""好差评: indicator sets (versioned data), ratings of applications, hall tickets, assist
requests and the portal, the invitation sent for an unrated completed application, and the
follow-up of each poor rating (差评)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from yishi.core.fields import EncryptedTextField


class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    BASICALLY_SATISFIED = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


POOR_LEVELS = (1, 2)
SATISFIED_LEVELS = (3, 4, 5)


class IndicatorSet(models.Model):
    """One version of the national indicator set of a channel: a rating records the version
    it was given under, so a later version never changes what an old 差评 named."""

    class Channel(models.TextChoices):
        ONLINE = "online", "网上办事"
        OFFLINE = "offline", "线下服务"

    channel = models.CharField("评价渠道", max_length=10, choices=Channel.choices)
    version = models.PositiveSmallIntegerField("版本")
    indicators = models.JSONField("评价指标", default=list)
    active = models.BooleanField("当前使用", default=True)

    class Meta:
        verbose_name = "评价指标体系"
        verbose_name_plural = "评价指标体系"
        ordering = ["channel", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "version"], name="ratings_indicator_set_v")
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} 第{self.version}版"


class Rating(models.Model):
    """One rating of one target at one stage; (target_key, stage) is unique, so two
    submissions at once leave one row."""

    class Kind(models.TextChoices):
        APPLICATION = "application", "办件"
        TICKET = "ticket", "大厅排队号"
        ASSIST = "assist", "帮办代办"
        PORTAL = "portal", "网上办事平台"

    class Stage(models.TextChoices):
        ACCEPT = "accept", "受理"
        COMPLETE = "complete", "办结"
        SERVICE = "service", "服务"

    class Source(models.TextChoices):
        PORTAL = "portal", "网上办事大厅"
        PHONE = "phone", "手机排队页"
        SMS = "sms", "短信链接"
        TABLET = "tablet", "窗口评价器"
        API = "api", "接口"
        LEGACY = "legacy", "原排队号评分迁移"

    kind = models.CharField("评价对象类别", max_length=12, choices=Kind.choices)
    target_key = models.CharField("评价对象标识", max_length=80, editable=False)
    stage = models.CharField("评价环节", max_length=10, choices=Stage.choices)
    level = models.PositiveSmallIntegerField("评价等级", choices=Level.choices)
    indicator_set = models.ForeignKey(
        IndicatorSet, verbose_name="指标体系", on_delete=models.PROTECT, related_name="ratings"
    )
    failed_indicators = models.JSONField("不满意指标", default=list, blank=True)
    comment = EncryptedTextField("评价意见", blank=True)
    source = models.CharField("评价渠道", max_length=10, choices=Source.choices)
    application = models.ForeignKey(
        "cases.Application",
        verbose_name="办件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    ticket = models.ForeignKey(
        "hall.Ticket",
        verbose_name="排队号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    assist_request = models.ForeignKey(
        "assist.AssistRequest",
        verbose_name="帮办代办请求",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评价人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ratings_given",
    )
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name="责任部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    outlet = models.ForeignKey(
        "hall.Outlet",
        verbose_name="服务网点",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    # An upheld appeal (申诉复核) takes the rating out of every figure.
    excluded = models.BooleanField("申诉成立，不计入统计", default=False)
    created_at = models.DateTimeField("评价时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "好差评"
        verbose_name_plural = "好差评"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["target_key", "stage"], name="ratings_one_per_stage"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="ratings_level_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}·{self.get_stage_display()}·{self.get_level_display()}"

    @property
    def poor(self) -> bool:
        return self.level in POOR_LEVELS

    @property
    def target_ref(self) -> str:
        return self.target_key.partition(":")[2]


class Invitation(models.Model):
    """The one invitation to rate a completed application (message + SMS); the unique
    application makes a second one impossible."""

    application = models.OneToOneField(
        "cases.Application",
        verbose_name="办件",
        on_delete=models.CASCADE,
        related_name="rating_invitation",
    )
    sent_at = models.DateTimeField("发送时间", default=timezone.now)

    class Meta:
        verbose_name = "评价邀请"
        verbose_name_plural = "评价邀请"
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.application_id}"


class FollowUp(models.Model):
    """The handling of one 差评 by the responsible department: 回访核实, then 整改 or 情况说明,
    or 申诉复核 decided by a supervisor."""

    class Status(models.TextChoices):
        OPEN = "open", "待回访"
        VISITED = "visited", "已回访"
        RECTIFIED = "rectified", "已整改"
        EXPLAINED = "explained", "已作情况说明"
        APPEALED = "appealed", "申诉复核中"
        CLOSED = "closed", "申诉成立已关闭"

    class Action(models.TextChoices):
        IMMEDIATE = "immediate", "立行立改"
        DEADLINE = "deadline", "限期整改"
        EXPLAINED = "explained", "情况说明"

    rating = models.OneToOneField(
        Rating, verbose_name="差评", on_delete=models.CASCADE, related_name="followup"
    )
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name="责任部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rating_followups",
    )
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    visit_due_on = models.DateField("回访期限")
    due_on = models.DateField("整改期限")
    visited_at = models.DateTimeField("回访时间", null=True, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="回访人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    visit_outcome = EncryptedTextField("回访核实情况", blank=True)
    action = models.CharField("处理方式", max_length=10, choices=Action.choices, blank=True)
    action_note = EncryptedTextField("整改措施或情况说明", blank=True)
    handled_at = models.DateTimeField("整改(说明)时间", null=True, blank=True)
    handled_on = models.DateField("整改(说明)日期", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="整改登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    appeal_reason = models.TextField("申诉理由", blank=True)
    appealed_at = models.DateTimeField("申诉时间", null=True, blank=True)
    status_before_appeal = models.CharField("申诉前状态", max_length=10, blank=True)
    appeal_upheld = models.BooleanField("申诉成立", null=True, blank=True)
    appeal_note = models.TextField("复核意见", blank=True)
    appeal_decided_at = models.DateTimeField("复核时间", null=True, blank=True)
    appeal_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="复核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("建立时间", default=timezone.now)

    class Meta:
        verbose_name = "差评整改"
        verbose_name_plural = "差评整改"
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"差评整改 #{self.pk}"

    @property
    def done(self) -> bool:
        return self.status in (self.Status.RECTIFIED, self.Status.EXPLAINED, self.Status.CLOSED)

    @property
    def next_due_on(self):
        """The limit that matters now: the visit's until it is recorded, then the 整改 one."""
        if self.done or self.status == self.Status.APPEALED:
            return None
        return self.visit_due_on if self.visited_at is None else self.due_on
