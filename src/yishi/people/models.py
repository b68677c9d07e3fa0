"""Subjects: persons and companies. ID numbers and phones are encrypted at rest (SM4) and
looked up through a keyed hash; the registries grow in later issues."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from yishi.core.fields import EncryptedTextField


class Person(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    name = models.CharField("姓名", max_length=50)
    id_number = EncryptedTextField("居民身份证号")
    id_number_index = models.CharField("身份证号索引", max_length=64, unique=True, editable=False)
    birth_date = models.DateField("出生日期")
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    region_code = models.CharField("户籍地区划代码", max_length=12, blank=True)
    phone = EncryptedTextField("手机号码", blank=True)
    phone_index = models.CharField(
        "手机号索引", max_length=64, blank=True, db_index=True, editable=False
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "自然人"
        verbose_name_plural = "自然人"

    def __str__(self) -> str:
        return self.name


class Company(models.Model):
    name = models.CharField("名称", max_length=150)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    region_code = models.CharField("登记机关区划代码", max_length=12, blank=True)
    address = models.CharField("住所", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "法人"
        verbose_name_plural = "法人(企业与组织)"

    def __str__(self) -> str:
        return self.name


class ApplicantAccount(models.Model):
    """An applicant's login: one auth User, one registry Person, one verified mobile number.

    The User's username is not the phone number but "m-" + the phone's blind index, so the
    number stays encrypted at rest like everywhere else; applicants still log in with the
    phone (the backends in people/auth.py look it up through the index)."""

    class Source(models.TextChoices):
        LOCAL = "local", "本地注册"
        OIDC = "oidc", "统一身份认证"
        COUNTER = "counter", "窗口代为登记"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        on_delete=models.CASCADE,
        related_name="applicant",
    )
    # One account per person: the registry entry is the applicant's identity.
    person = models.OneToOneField(
        Person, verbose_name="自然人", on_delete=models.PROTECT, related_name="account"
    )
    phone = EncryptedTextField("手机号码", blank=True)
    phone_index = models.CharField("手机号索引", max_length=64, blank=True, editable=False)
    source = models.CharField("账号来源", max_length=10, choices=Source.choices)
    verified_at = models.DateTimeField("手机号验证时间", null=True, blank=True)
    created_at = models.DateTimeField("注册时间", auto_now_add=True)

    class Meta:
        verbose_name = "申请人账号"
        verbose_name_plural = "申请人账号"
        constraints = [
            models.UniqueConstraint(
                fields=["phone_index"],
                condition=~models.Q(phone_index=""),
                name="people_account_unique_phone",
            )
        ]

    def __str__(self) -> str:
        return self.person.name


class SmsCode(models.Model):
    """A one-time code sent by SMS. Only its HMAC-SM3 is kept (keyed, so a copy of the table
    alone cannot be brute-forced over the million six-digit codes)."""

    class Purpose(models.TextChoices):
        REGISTER = "register", "注册"
        LOGIN = "login", "登录"
        RESET = "reset", "重置密码"

    phone_index = models.CharField("手机号索引", max_length=64, editable=False)
    purpose = models.CharField("用途", max_length=10, choices=Purpose.choices)
    code_hash = models.CharField("验证码摘要", max_length=64, editable=False)
    created_at = models.DateTimeField("发送时间", auto_now_add=True)
    expires_at = models.DateTimeField("失效时间")
    attempts = models.PositiveSmallIntegerField("错误次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"
        indexes = [
            models.Index(fields=["phone_index", "purpose", "-created_at"], name="people_sms_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.created_at:%Y-%m-%d %H:%M}"


class LoginFailure(models.Model):
    """One failed applicant login, counted per phone for throttling (rows older than the
    window are ignored and may be purged)."""

    phone_index = models.CharField("手机号索引", max_length=64, editable=False)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录"
        indexes = [models.Index(fields=["phone_index", "at"], name="people_loginfail_lookup")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S}"


class CompanyAgent(models.Model):
    """A person who may act for a company: its 法定代表人 or an authorised 经办人(代理人).

    Declared by the applicant in the embedded default (unverified); in production the
    company registry confirms it (verified_at)."""

    class Role(models.TextChoices):
        LEGAL_REPRESENTATIVE = "legal_rep", "法定代表人"
        AGENT = "agent", "经办人(代理人)"

    company = models.ForeignKey(
        Company, verbose_name="法人", on_delete=models.CASCADE, related_name="agents"
    )
    person = models.ForeignKey(
        Person, verbose_name="自然人", on_delete=models.CASCADE, related_name="agencies"
    )
    role = models.CharField("身份", max_length=10, choices=Role.choices)
    authorised_until = models.DateField("授权截止日期", null=True, blank=True)
    note = models.CharField("授权说明", max_length=200, blank=True)
    verified_at = models.DateTimeField("核验时间", null=True, blank=True)
    created_at = models.DateTimeField("授权时间", auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "企业授权人员"
        verbose_name_plural = "企业授权人员"
        constraints = [
            models.UniqueConstraint(
                fields=["company", "person"],
                condition=models.Q(revoked_at__isnull=True),
                name="people_agent_unique_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} · {self.person} · {self.get_role_display()}"
