"""跨域通办: partner regions, the matters agreed with each, the cross-region cases, and every
envelope sent or received (the record of the exchange)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from yishi.core.fields import EncryptedJSONField

region_code = RegexValidator(r"^[1-8][0-9]{5}$", "区划代码须为 6 位数字（GB/T 2260）")


class Delivery(models.TextChoices):
    MAIL = "mail", "邮寄"
    PICKUP = "pickup", "窗口领取"
    ONLINE = "online", "网上送达"


class Mode(models.TextChoices):
    ONLINE = "online", "全程网办"
    PROXY = "proxy", "异地代收代办"
    JOINT = "joint", "多地联办"


class Partner(models.Model):
    """Another region's platform we exchange signed envelopes with."""

    code = models.CharField("区划代码", max_length=6, unique=True, validators=[region_code])
    name = models.CharField("地区名称", max_length=60)
    endpoint = models.URLField(
        "平台地址",
        help_text="对方平台的根地址（HTTPS）；收件箱与工作日历的路径由交换协议规定",
    )
    public_key_pem = models.TextField("SM2 公钥(PEM)", help_text="用于验证对方信封签名")
    scope = models.CharField(
        "通办范围",
        max_length=20,
        choices=[
            ("province", "全省通办"),
            ("metro", "武汉都市圈一圈通办"),
            ("national", "跨省通办"),
        ],
        default="metro",
    )
    active = models.BooleanField("启用", default=True)
    calendar = models.JSONField("工作日历缓存", default=dict, blank=True, editable=False)
    calendar_fetched_at = models.DateTimeField("日历获取时间", null=True, blank=True)

    class Meta:
        verbose_name = "合作地区"
        verbose_name_plural = "合作地区"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def inbox_url(self) -> str:
        from yishi.exchange.conf import INBOX_PATH

        return self.endpoint.rstrip("/") + INBOX_PATH


class AgreedMatter(models.Model):
    """A matter one side handles for the other, with the unified elements both agreed."""

    class DecidedBy(models.TextChoices):
        PARTNER = "partner", "对方办理（本区收件）"
        US = "us", "本区办理（对方收件）"

    partner = models.ForeignKey(
        Partner, verbose_name="合作地区", on_delete=models.CASCADE, related_name="matters"
    )
    code = models.CharField("通办事项编码", max_length=60, help_text="双方信封中使用的事项编码")
    name = models.CharField("事项名称", max_length=120)
    matter = models.ForeignKey(
        "catalog.Matter",
        verbose_name="本区对应事项",
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.CharField("办理地", max_length=10, choices=DecidedBy.choices)
    modes = models.JSONField("办理模式", default=list, help_text="双方约定的办理模式，可多选")
    materials = models.JSONField("统一申请材料", default=list, help_text="材料名称列表")
    promised_days = models.PositiveSmallIntegerField("统一承诺时限(工作日)", default=0)
    legal_days = models.PositiveSmallIntegerField("统一法定时限(工作日)", default=0)
    result_name = models.CharField("统一办理结果", max_length=100)
    delivery = models.JSONField(
        "结果送达方式", default=list, help_text="双方约定的结果送达方式，可多选"
    )

    class Meta:
        verbose_name = "通办事项"
        verbose_name_plural = "通办事项(统一要素)"
        ordering = ["partner", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "code", "decided_by"], name="exchange_agreed_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_decided_by_display()}）"


class Crossing(models.Model):
    """One cross-region case, on either side: the sub-case a partner decides (we received
    it), or the application a partner handed to us (we decide)."""

    class Role(models.TextChoices):
        RECEIVING = "receiving", "本区收件、对方办理"
        DECIDING = "deciding", "对方收件、本区办理"

    class Status(models.TextChoices):
        HANDED_OVER = "handed_over", "已移交办理地"
        ACCEPTED = "accepted", "办理地已受理"
        IN_REVIEW = "in_review", "审批中"
        SUPPLEMENT = "supplement", "待补正"
        APPROVED = "approved", "准予许可"
        REFUSED = "refused", "不予许可"
        RESULT = "result", "结果已出具"
        DELIVERED = "delivered", "结果已寄出/待领取"

    ref = models.UUIDField("跨域办件编号", unique=True, default=uuid.uuid4)
    partner = models.ForeignKey(
        Partner, verbose_name="合作地区", on_delete=models.PROTECT, related_name="crossings"
    )
    role = models.CharField("本区角色", max_length=10, choices=Role.choices)
    mode = models.CharField("办理模式", max_length=10, choices=Mode.choices)
    agreed = models.ForeignKey(
        AgreedMatter, verbose_name="通办事项", on_delete=models.PROTECT, related_name="crossings"
    )
    application = models.ForeignKey(
        "cases.Application",
        verbose_name="本区申请",
        on_delete=models.PROTECT,
        related_name="crossings",
    )
    subcase = models.ForeignKey(
        "cases.SubCase",
        verbose_name="子件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="crossings",
    )
    remote_number = models.CharField("对方申请编号", max_length=40, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.HANDED_OVER, db_index=True
    )
    promised_due = models.DateField("承诺办结日期(办理地日历)", null=True, blank=True)
    legal_due = models.DateField("法定办结日期(办理地日历)", null=True, blank=True)
    delivery_method = models.CharField("送达方式", max_length=10, blank=True)
    delivery_address = models.CharField("邮寄地址", max_length=200, blank=True)
    tracking_number = models.CharField("邮件单号", max_length=60, blank=True)
    pickup_place = models.CharField("领取地点", max_length=200, blank=True)
    result = models.JSONField("结果文书", default=dict, blank=True)
    supplement_items = models.JSONField("待补正内容", default=list, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "跨域办件"
        verbose_name_plural = "跨域办件"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.application.number} · {self.agreed.name}"


class Envelope(models.Model):
    """An envelope as sent or received; incoming ones are stored before they are answered."""

    class Direction(models.TextChoices):
        IN = "in", "收到"
        OUT = "out", "发出"

    class Status(models.TextChoices):
        QUEUED = "queued", "待发送"
        SENT = "sent", "已送达对方"
        STORED = "stored", "已接收待处理"
        PROCESSED = "processed", "已处理"
        FAILED = "failed", "处理失败"

    envelope_id = models.UUIDField("信封编号")
    direction = models.CharField("方向", max_length=3, choices=Direction.choices)
    kind = models.CharField("类型", max_length=30)
    sender = models.CharField("发送方", max_length=6)
    receiver = models.CharField("接收方", max_length=6)
    nonce = models.CharField("随机数", max_length=128, blank=True)
    created = models.CharField("签发时间", max_length=40, blank=True)
    body = EncryptedJSONField("内容", default=dict, blank=True)
    files = models.JSONField("文件清单", default=list, blank=True)
    signature = models.TextField("签名", blank=True)
    crossing = models.ForeignKey(
        Crossing,
        verbose_name="跨域办件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="envelopes",
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices)
    error = models.TextField("错误", blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)
    processed_at = models.DateTimeField("处理/送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "信封"
        verbose_name_plural = "信封(收发记录)"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["direction", "sender", "envelope_id"], name="exchange_envelope_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.kind} {self.envelope_id}"


class SeenNonce(models.Model):
    """A nonce a partner used, kept EXCHANGE_NONCE_HOURS so a replay is recognised."""

    sender = models.CharField("发送方", max_length=6)
    nonce = models.CharField("随机数", max_length=128)
    envelope_id = models.UUIDField("信封编号")
    seen_at = models.DateTimeField("收到时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "已用随机数"
        verbose_name_plural = "已用随机数"
        constraints = [
            models.UniqueConstraint(fields=["sender", "nonce"], name="exchange_nonce_once")
        ]

    def __str__(self) -> str:
        return f"{self.sender}:{self.nonce}"


class ExchangeFile(models.Model):
    """A scanned material or document referenced by SM3, stored SM4-encrypted."""

    sm3 = models.CharField("SM3 摘要", max_length=64, unique=True)
    name = models.CharField("文件名", max_length=200)
    media_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小(字节)", default=0)
    content_encrypted = models.TextField("内容(SM4 加密)", editable=False)

    class Meta:
        verbose_name = "交换文件"
        verbose_name_plural = "交换文件"

    def __str__(self) -> str:
        return self.name


class PickupItem(models.Model):
    """A result waiting on an outlet's pickup shelf (窗口领取): the paper or printed result of
    a cross-region case, handed over at the counter after the person's identity is checked."""

    class Status(models.TextChoices):
        WAITING = "waiting", "待领取"
        PICKED = "picked", "已领取"
        RETURNED = "returned", "退回"

    outlet = models.ForeignKey(
        "hall.Outlet", verbose_name="领取网点", on_delete=models.PROTECT, related_name="+"
    )
    application = models.ForeignKey(
        "cases.Application",
        verbose_name="申请",
        on_delete=models.PROTECT,
        related_name="pickup_items",
    )
    crossing = models.OneToOneField(
        Crossing,
        verbose_name="跨域办件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pickup",
    )
    licence = models.ForeignKey(
        "licences.Licence",
        verbose_name="电子证照",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField("结果名称", max_length=200)
    shelf_code = models.CharField("取件码", max_length=20)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True
    )
    placed_at = models.DateTimeField("上架时间", auto_now_add=True)
    picked_at = models.DateTimeField("领取时间", null=True, blank=True)
    picked_by = models.ForeignKey(
        "people.Person",
        verbose_name="领取人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    identity_check = EncryptedJSONField(
        "身份核验记录", default=dict, blank=True, help_text="交付时核验的证件、结果与时间"
    )
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "待领取结果"
        verbose_name_plural = "窗口领取(取件架)"
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "shelf_code"], name="exchange_pickup_shelf_code_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.shelf_code} {self.title}"
