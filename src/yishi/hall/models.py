"""Tables of the service hall: outlets, queues, windows and their sessions, tickets with
their per-day counters, appointment slots and bookings, green-channel requests."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from yishi.hall.policy import Priority


def default_opening_hours() -> dict:
    """Monday–Friday 08:30–12:00 and 14:30–17:30 (ISO weekday → list of [from, to])."""
    day = [["08:30", "12:00"], ["14:30", "17:30"]]
    return {str(d): day for d in range(1, 6)}


class Outlet(models.Model):
    class Kind(models.TextChoices):
        DISTRICT = "district", "区级政务服务中心"
        TOWN = "town", "乡镇(街道)便民服务中心"
        VILLAGE = "village", "村(社区)便民服务站"
        SELF_SERVICE = "self_service", "24小时自助服务区"
        CROSS_REGION = "cross_region", "跨域通办窗口"

    code = models.SlugField("网点编码", max_length=40, unique=True)
    name = models.CharField("网点名称", max_length=100)
    kind = models.CharField("网点类别", max_length=20, choices=Kind.choices)
    region_code = models.CharField("区划代码", max_length=12, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    sample_location = models.BooleanField(
        "地址坐标为示例数据", default=False, help_text="地址或坐标未经核实时勾选"
    )
    location_verified = models.BooleanField(
        "位置已核实",
        default=False,
        help_text="工作人员到现场或按权威资料核对坐标(WGS-84)和地址后勾选；未勾选时地图显示“待核实”",
    )
    phone = models.CharField("咨询电话", max_length=40, blank=True)
    hours_note = models.CharField(
        "开放时间说明", max_length=200, blank=True, help_text="如“24小时开放”“周六上午延时服务”"
    )
    opening_hours = models.JSONField(
        "开放时间",
        default=default_opening_hours,
        blank=True,
        help_text='按星期(1=周一…7=周日)：{"1": [["08:30", "12:00"], ["14:30", "17:30"]]}；'
        "法定节假日按工作日历闭厅",
    )
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name="所属政务服务中心(部门)",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        limit_choices_to={"kind": "centre"},
        related_name="outlets",
    )
    entrance_photo = models.ImageField("入口照片", upload_to="hall/photos/", blank=True)
    sign_photo = models.ImageField("标识照片", upload_to="hall/photos/", blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "服务网点"
        verbose_name_plural = "服务网点(大厅)"
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name


class Queue(models.Model):
    """A queue of an outlet, named by its letter (A 综合, B …, V 绿色通道). Matters and themes
    listed here are routed to it when a ticket is taken; everything else goes to the
    outlet's general queue."""

    outlet = models.ForeignKey(
        Outlet, verbose_name="网点", on_delete=models.CASCADE, related_name="queues"
    )
    letter = models.CharField("队列字母", max_length=1)
    name = models.CharField("队列名称", max_length=50)
    is_general = models.BooleanField("综合队列", default=False)
    is_green = models.BooleanField("绿色通道队列", default=False)
    matters = models.ManyToManyField(
        "catalog.Matter", verbose_name="对应事项", blank=True, related_name="hall_queues"
    )
    themes = models.ManyToManyField(
        "themes.Theme", verbose_name="对应一件事", blank=True, related_name="hall_queues"
    )
    mean_service_minutes = models.PositiveSmallIntegerField(
        "默认办理时长(分钟)", default=8, help_text="当天尚无办结记录时用于估算等候时间"
    )

    class Meta:
        verbose_name = "排队队列"
        verbose_name_plural = "排队队列"
        ordering = ["outlet", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["outlet", "letter"], name="hall_queue_letter_unique"),
            models.CheckConstraint(
                condition=Q(letter__regex=r"^[A-Z]$"), name="hall_queue_letter_upper"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter} {self.name}"


class Window(models.Model):
    class Kind(models.TextChoices):
        GENERAL = "general", "综合窗口"
        SPECIALIST = "specialist", "专业窗口"
        ZONE = "zone", "专区"
        CROSS_REGION = "cross_region", "跨域通办专窗"
        GREEN = "green", "绿色通道窗口"
        COMPLAINT = "complaint", "办不成事反映窗口"
        # Served by video (yishi.remote): calls only tickets taken remotely (Ticket.Channel.REMOTE).
        REMOTE = "remote", "远程虚拟窗口"

    outlet = models.ForeignKey(
        Outlet, verbose_name="网点", on_delete=models.CASCADE, related_name="windows"
    )
    number = models.PositiveSmallIntegerField("窗口号")
    name = models.CharField("窗口名称", max_length=50, blank=True)
    kind = models.CharField("窗口类型", max_length=20, choices=Kind.choices)
    serves_all = models.BooleanField(
        "无差别受理", default=False, help_text="可叫本网点任何队列的号(综合窗口)"
    )
    queues = models.ManyToManyField(
        Queue, verbose_name="可叫队列", blank=True, related_name="windows"
    )
    matters = models.ManyToManyField(
        "catalog.Matter", verbose_name="可办事项", blank=True, related_name="hall_windows"
    )
    themes = models.ManyToManyField(
        "themes.Theme", verbose_name="可办一件事", blank=True, related_name="hall_windows"
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "窗口"
        verbose_name_plural = "窗口"
        ordering = ["outlet", "number"]
        constraints = [
            models.UniqueConstraint(fields=["outlet", "number"], name="hall_window_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number}号窗口"

    @property
    def label(self) -> str:
        return f"{self.number}号窗口" + (f"（{self.name}）" if self.name else "")


class WindowSession(models.Model):
    """A staff member signed on at a window, from `started_at` until `ended_at`."""

    window = models.ForeignKey(
        Window, verbose_name="窗口", on_delete=models.CASCADE, related_name="sessions"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="工作人员",
        on_delete=models.PROTECT,
        related_name="hall_sessions",
    )
    started_at = models.DateTimeField("上岗时间")
    ended_at = models.DateTimeField("离岗时间", null=True, blank=True)

    class Meta:
        verbose_name = "窗口上岗记录"
        verbose_name_plural = "窗口上岗记录"
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["window"],
                condition=Q(ended_at__isnull=True),
                name="hall_one_open_session_per_window",
            ),
            models.UniqueConstraint(
                fields=["staff"],
                condition=Q(ended_at__isnull=True),
                name="hall_one_open_session_per_staff",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.window} {self.staff}"


class TicketCounter(models.Model):
    """Last number given per outlet, day and queue letter: incremented under a row lock so
    concurrent takers never get the same number."""

    outlet = models.ForeignKey(Outlet, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    letter = models.CharField(max_length=1)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "取号计数器"
        verbose_name_plural = "取号计数器"
        constraints = [
            models.UniqueConstraint(fields=["outlet", "day", "letter"], name="hall_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.letter}{self.last:03d}"


class GreenReason(models.TextChoices):
    """Who may use the green channel (绿色通道适用情形)."""

    ELDERLY = "elderly", "60周岁以上老年人"
    DISABLED = "disabled", "残疾人"
    PREGNANT = "pregnant", "孕妇"
    MILITARY = "military", "军人、退役军人及其家属"
    KEY_PROJECT = "key_project", "重点项目企业"
    TALENT = "talent", "引进人才"


class Ticket(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "等候中"
        CALLED = "called", "已叫号"
        SERVING = "serving", "办理中"
        DONE = "done", "已办结"
        NO_SHOW = "no_show", "过号未到"
        TRANSFERRED = "transferred", "已转窗口(等候)"
        CANCELLED = "cancelled", "已取消"

    class Claim(models.TextChoices):
        """State of a green-channel claim. Only a verified claim gives the green priority."""

        PENDING = "pending", "待核验"
        VERIFIED = "verified", "已核验"
        REJECTED = "rejected", "未通过核验"

    class Channel(models.TextChoices):
        KIOSK = "kiosk", "自助取号机"
        PHONE = "phone", "手机取号"
        STAFF = "staff", "工作人员代取"
        APPOINTMENT = "appointment", "预约签到"
        API = "api", "接口"
        # Taken for the remote virtual window (yishi.remote): served by video, never at a counter.
        REMOTE = "remote", "远程视频办理"

    outlet = models.ForeignKey(
        Outlet, verbose_name="网点", on_delete=models.PROTECT, related_name="tickets"
    )
    day = models.DateField("取号日期")
    queue = models.ForeignKey(
        Queue, verbose_name="队列", on_delete=models.PROTECT, related_name="tickets"
    )
    number = models.CharField("排队号", max_length=8)
    token = models.UUIDField("查询令牌", default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(
        "取号渠道", max_length=12, choices=Channel.choices, default=Channel.KIOSK
    )
    matter = models.ForeignKey(
        "catalog.Matter",
        verbose_name="办理事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hall_tickets",
    )
    theme = models.ForeignKey(
        "themes.Theme",
        verbose_name="一件事",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hall_tickets",
    )
    priority = models.PositiveSmallIntegerField(
        "优先级",
        choices=[
            (Priority.ORDINARY.value, "普通"),
            (Priority.APPOINTMENT.value, "预约"),
            (Priority.GREEN.value, "绿色通道"),
        ],
        default=Priority.ORDINARY.value,
    )
    # A green-channel claim: the reason given when the ticket was taken and whether it was
    # checked. `priority` is GREEN only once the claim is verified (see the constraint).
    green_reason = models.CharField(
        "绿色通道适用情形", max_length=12, choices=GreenReason.choices, blank=True
    )
    claim = models.CharField(
        "绿色通道核验", max_length=10, choices=Claim.choices, blank=True, editable=False
    )
    claim_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核验人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hall_claims_checked",
        help_text="留空而有核验时间的，为系统按登记信息自动核验",
    )
    claim_checked_at = models.DateTimeField("核验时间", null=True, blank=True)
    claim_note = models.CharField("核验说明", max_length=200, blank=True)
    arrived_at = models.DateTimeField("取号时间")
    virtual_at = models.DateTimeField("排序时间", help_text="取号时间减去优先级提前量")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.WAITING)
    window = models.ForeignKey(
        Window,
        verbose_name="办理窗口",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    called_at = models.DateTimeField("首次叫号时间", null=True, blank=True)
    last_called_at = models.DateTimeField("最近叫号时间", null=True, blank=True)
    recall_count = models.PositiveSmallIntegerField("重呼次数", default=0)
    served_started_at = models.DateTimeField("开始办理时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hall_tickets_served",
    )
    transfer_count = models.PositiveSmallIntegerField("转窗次数", default=0)
    # Who took it, as a keyed hash of the phone's session or the API caller's address (never
    # the raw value): bounds the tickets one client may hold at an outlet.
    client_key = models.CharField(
        "取号终端标识", max_length=64, blank=True, db_index=True, editable=False
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name="申请人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hall_tickets",
    )
    application = models.ForeignKey(
        "cases.Application",
        verbose_name="对应办件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hall_tickets",
    )
    # 好差评 of a ticket: yishi.ratings.Rating (related name `ratings`), by the ticket's token.

    class Meta:
        verbose_name = "排队号"
        verbose_name_plural = "排队号"
        ordering = ["-arrived_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "day", "number"], name="hall_ticket_number_unique"
            ),
            # The calling order (virtual_at) may count the green bonus only for a verified
            # claim: an unverified one can never be stored with the green priority.
            models.CheckConstraint(
                condition=~Q(priority=Priority.GREEN.value) | Q(claim="verified"),
                name="hall_ticket_green_only_verified",
            ),
        ]
        indexes = [
            models.Index(
                fields=["outlet", "status", "virtual_at", "id"], name="hall_ticket_calling"
            ),
            models.Index(fields=["outlet", "day"], name="hall_ticket_day"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def priority_label(self) -> str:
        return self.get_priority_display()

    @property
    def claim_label(self) -> str:
        """The claim's state for anyone to read, without the reason (which is personal):
        "绿色通道·待核验"; empty without a claim."""
        return f"绿色通道·{self.get_claim_display()}" if self.claim else ""

    @property
    def claim_checker_label(self) -> str:
        """Who checked the claim: a staff member, the system (registries), or nobody yet."""
        if self.claim_checked_by_id:
            user = self.claim_checked_by
            return user.get_full_name() or user.get_username()
        return "系统按登记信息核验" if self.claim_checked_at else ""

    @property
    def claim_message(self) -> str:
        """What the holder is told about their claim, in plain Chinese."""
        C = Ticket.Claim
        note = self.claim_note.rstrip("。；;，, ")
        if self.claim == C.PENDING:
            return f"{note}；核验前按普通号排队。" if note else "核验前按普通号排队。"
        if self.claim == C.VERIFIED:
            return "已核验，按绿色通道优先叫号。"
        if self.claim == C.REJECTED:
            return f"{note}，按普通号排队。" if note else "未通过核验，按普通号排队。"
        return ""


class AppointmentSlot(models.Model):
    """Half an hour at an outlet for one matter, with a capacity."""

    outlet = models.ForeignKey(
        Outlet, verbose_name="网点", on_delete=models.CASCADE, related_name="slots"
    )
    matter = models.ForeignKey(
        "catalog.Matter",
        verbose_name="事项",
        on_delete=models.CASCADE,
        related_name="appointment_slots",
    )
    starts_at = models.DateTimeField("开始时间")
    capacity = models.PositiveSmallIntegerField("可预约人数", default=2)
    booked = models.PositiveSmallIntegerField("已预约人数", default=0)

    class Meta:
        verbose_name = "预约时段"
        verbose_name_plural = "预约时段"
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "matter", "starts_at"], name="hall_slot_unique"
            ),
            models.CheckConstraint(
                condition=Q(booked__lte=models.F("capacity")), name="hall_slot_not_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outlet} {self.matter} {self.starts_at:%Y-%m-%d %H:%M}"


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "已预约"
        CANCELLED = "cancelled", "已取消"
        CHECKED_IN = "checked_in", "已签到"
        LATE = "late", "迟到签到(按普通号)"
        NO_SHOW = "no_show", "预约未到"

    slot = models.ForeignKey(
        AppointmentSlot, verbose_name="时段", on_delete=models.PROTECT, related_name="appointments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="预约账号",
        on_delete=models.PROTECT,
        related_name="hall_appointments",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name="预约人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hall_appointments",
    )
    code = models.CharField("预约码", max_length=12, unique=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.BOOKED)
    booked_at = models.DateTimeField("预约时间")
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    ticket = models.OneToOneField(
        Ticket,
        verbose_name="签到取号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointment",
    )

    class Meta:
        verbose_name = "预约"
        verbose_name_plural = "预约办"
        ordering = ["-booked_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "user"],
                condition=Q(status="booked"),
                name="hall_one_booking_per_slot_and_user",
            )
        ]

    def __str__(self) -> str:
        return self.code


class GreenChannelRequest(models.Model):
    class Service(models.TextChoices):
        ACCOMPANY = "accompany", "陪同办"
        PROXY = "proxy", "代理办"
        PRIORITY = "priority", "优先办"
        HOME = "home", "上门办"

    Reason = GreenReason

    class Status(models.TextChoices):
        REQUESTED = "requested", "已申请"
        ASSIGNED = "assigned", "已指派"
        DONE = "done", "已办结"
        CANCELLED = "cancelled", "已取消"

    outlet = models.ForeignKey(
        Outlet, verbose_name="网点", on_delete=models.PROTECT, related_name="green_requests"
    )
    service = models.CharField("服务方式", max_length=12, choices=Service.choices)
    reason = models.CharField("适用情形", max_length=12, choices=Reason.choices)
    person = models.ForeignKey(
        "people.Person",
        verbose_name="服务对象(个人)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="green_requests",
    )
    company = models.ForeignKey(
        "people.Company",
        verbose_name="服务对象(企业)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="green_requests",
    )
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    address = models.CharField("上门地址", max_length=200, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    matter = models.ForeignKey(
        "catalog.Matter",
        verbose_name="办理事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="green_requests",
    )
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.REQUESTED
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="green_requests_assigned",
    )
    ticket = models.OneToOneField(
        Ticket,
        verbose_name="绿色通道号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="green_request",
    )
    requested_at = models.DateTimeField("申请时间")
    assigned_at = models.DateTimeField("指派时间", null=True, blank=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    result = models.CharField("办理结果", max_length=300, blank=True)

    class Meta:
        verbose_name = "绿色通道服务"
        verbose_name_plural = "绿色通道服务"
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.get_service_display()} · {self.get_reason_display()}"
