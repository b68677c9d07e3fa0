"""Subjects: persons and companies. ID numbers and phones are encrypted at rest (SM4) and
looked up through a keyed hash; the registries grow in later issues."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

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

    # --- Registry (issue 6): facts the eligibility rules (policies/rules.py) read. ---
    class DisabilityType(models.TextChoices):
        VISUAL = "visual", "视力残疾"
        HEARING = "hearing", "听力残疾"
        SPEECH = "speech", "言语残疾"
        PHYSICAL = "physical", "肢体残疾"
        INTELLECTUAL = "intellectual", "智力残疾"
        MENTAL = "mental", "精神残疾"
        MULTIPLE = "multiple", "多重残疾"

    class DisabilityGrade(models.IntegerChoices):
        ONE = 1, "一级"
        TWO = 2, "二级"
        THREE = 3, "三级"
        FOUR = 4, "四级"

    class EmploymentStatus(models.TextChoices):
        EMPLOYED = "employed", "就业"
        UNEMPLOYED = "unemployed", "失业"
        RETIRED = "retired", "退休"
        STUDENT = "student", "在校学生"
        OTHER = "other", "其他"

    class PensionStatus(models.TextChoices):
        NONE = "none", "未参保"
        CONTRIBUTING = "contributing", "参保缴费"
        RECEIVING = "receiving", "领取养老金"

    deceased_on = models.DateField("死亡日期", null=True, blank=True, help_text="在世者留空")
    low_income_household = models.BooleanField("低保家庭成员", default=False)
    disability_type = models.CharField(
        "残疾类别", max_length=12, choices=DisabilityType.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(
        "残疾等级", choices=DisabilityGrade.choices, null=True, blank=True
    )
    # The 2nd-generation 残疾人证号 embeds the ID number: personal data, encrypted like it.
    disability_certificate_no = EncryptedTextField("残疾人证号", blank=True)
    needs_long_term_care = models.BooleanField(
        "需长期照护", default=False, help_text="照护需求持续6个月以上"
    )
    employment_status = models.CharField(
        "就业状态", max_length=12, choices=EmploymentStatus.choices, blank=True
    )
    unemployment_registered = models.BooleanField("已办理失业登记", default=False)
    unemployment_insured_months = models.PositiveIntegerField("失业保险累计缴费月数", default=0)
    left_job_involuntarily = models.BooleanField("非本人意愿中断就业", default=False)
    pension_status = models.CharField(
        "养老保险状态",
        max_length=12,
        choices=PensionStatus.choices,
        default=PensionStatus.NONE,
    )

    class Meta:
        verbose_name = "自然人"
        verbose_name_plural = "自然人"
        indexes = [
            models.Index(fields=["birth_date"], name="people_person_birth_idx"),
            models.Index(fields=["deceased_on"], name="people_person_deceased_idx"),
            models.Index(fields=["region_code"], name="people_person_region_idx"),
            models.Index(
                fields=["disability_type", "disability_grade"], name="people_person_disab_idx"
            ),
            models.Index(
                fields=["employment_status", "unemployment_registered"],
                name="people_person_employ_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Company(models.Model):
    name = models.CharField("名称", max_length=150)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    # The registry's own record of who the legal representative is: a claim to be them is
    # verified against this (ID number through its blind index), never against the name alone.
    legal_representative_id_number = EncryptedTextField("法定代表人身份证号", blank=True)
    legal_representative_id_number_index = models.CharField(
        "法定代表人身份证号索引", max_length=64, blank=True, db_index=True, editable=False
    )
    region_code = models.CharField("登记机关区划代码", max_length=12, blank=True)
    address = models.CharField("住所", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    # --- Registry (issue 6): facts the eligibility rules (policies/rules.py) read. ---
    class SizeClass(models.TextChoices):
        MICRO = "micro", "微型"
        SMALL = "small", "小型"
        MEDIUM = "medium", "中型"
        LARGE = "large", "大型"

    class TaxCreditGrade(models.TextChoices):
        A = "A", "A级"
        B = "B", "B级"
        M = "M", "M级"
        C = "C", "C级"
        D = "D", "D级"

    class Status(models.TextChoices):
        ACTIVE = "active", "存续(在业)"
        SUSPENDED = "suspended", "歇业"
        REVOKED = "revoked", "吊销"
        CANCELLED = "cancelled", "注销"

    industry_code = models.CharField(
        "国民经济行业代码",
        max_length=5,
        blank=True,
        help_text="GB/T 4754-2017，如 F5211；首字母为门类",
    )
    size_class = models.CharField("企业规模", max_length=6, choices=SizeClass.choices, blank=True)
    registration_date = models.DateField("成立日期", null=True, blank=True)
    employees = models.PositiveIntegerField("从业人数", default=0)
    paid_in_capital = models.DecimalField(
        "实缴资本(万元)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    tax_credit_grade = models.CharField(
        "纳税信用等级", max_length=1, choices=TaxCreditGrade.choices, blank=True
    )
    status = models.CharField(
        "登记状态", max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    key_project = models.BooleanField("重点项目企业", default=False)

    class Meta:
        verbose_name = "法人"
        verbose_name_plural = "法人(企业与组织)"
        indexes = [
            models.Index(fields=["industry_code"], name="people_company_industry_idx"),
            models.Index(fields=["region_code"], name="people_company_region_idx"),
            models.Index(fields=["status", "size_class"], name="people_company_status_idx"),
            models.Index(fields=["registration_date"], name="people_company_regdate_idx"),
        ]

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
        # Shown to staff wherever the account is named (admin, pickers): masked, 王**.
        name = (self.person.name or "").strip()
        return f"{name[0]}**" if name else "申请人"


class SmsCode(models.Model):
    """A one-time code sent by SMS. Only its HMAC-SM3 is kept (keyed, so a copy of the table
    alone cannot be brute-forced over the million six-digit codes)."""

    class Purpose(models.TextChoices):
        REGISTER = "register", "注册"
        LOGIN = "login", "登录"
        RESET = "reset", "重置密码"
        # 远程身份核验 (yishi.remote): sent to the phone on record, never to a number typed in.
        IDENTITY = "identity", "身份核验"

    phone_index = models.CharField("手机号索引", max_length=64, editable=False)
    purpose = models.CharField("用途", max_length=10, choices=Purpose.choices)
    code_hash = models.CharField("验证码摘要", max_length=64, editable=False)
    created_at = models.DateTimeField("发送时间", auto_now_add=True)
    expires_at = models.DateTimeField("失效时间")
    attempts = models.PositiveSmallIntegerField("错误次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    # Keyed hash of the requesting client's address, for the per-address hourly limit.
    address_index = models.CharField(
        "请求地址索引", max_length=64, blank=True, default="", editable=False
    )

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"
        indexes = [
            models.Index(
                fields=["phone_index", "purpose", "-created_at"], name="people_sms_lookup"
            ),
            models.Index(fields=["address_index", "created_at"], name="people_sms_address"),
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


class ThrottleKey(models.Model):
    """A row to lock (select_for_update) while a per-phone or per-address limit is counted
    and the new attempt recorded, so that parallel requests are counted one after another:
    the rows they count may not exist yet and cannot be locked themselves. `key` is a prefix
    and a keyed hash, never a phone number or an address."""

    key = models.CharField("键", max_length=80, unique=True, editable=False)

    class Meta:
        verbose_name = "限流锁"
        verbose_name_plural = "限流锁"

    def __str__(self) -> str:
        return self.key


class CompanyAgent(models.Model):
    """A person's claim to act for a company: as its 法定代表人 or as an authorised
    经办人(代理人), within scopes (a legal representative holds them all).

    A claim grants nothing until verified (verified_at): by the company registry (the
    account's person is the registered legal representative), by window staff who saw the
    business licence, or by the verified legal representative authorising an agent."""

    class Role(models.TextChoices):
        LEGAL_REPRESENTATIVE = "legal_rep", "法定代表人"
        AGENT = "agent", "经办人(代理人)"

    class Scope(models.TextChoices):
        APPLY = "apply", "办理业务"
        BENEFITS = "benefits", "惠企政策与补贴"
        CREDIT = "credit", "信用与承诺"
        LICENCES = "licences", "电子证照"

    class Verification(models.TextChoices):
        REGISTRY = "registry", "登记信息比对"
        COUNTER = "counter", "窗口核验"
        LEGAL_REP = "legal_rep", "法定代表人授权"

    class State(models.TextChoices):
        VERIFIED = "verified", "已核验"
        PENDING = "pending", "待窗口核验"
        REVOKED = "revoked", "已撤销"
        EXPIRED = "expired", "已过期"

    company = models.ForeignKey(
        Company, verbose_name="法人", on_delete=models.CASCADE, related_name="agents"
    )
    person = models.ForeignKey(
        Person, verbose_name="自然人", on_delete=models.CASCADE, related_name="agencies"
    )
    role = models.CharField("身份", max_length=10, choices=Role.choices)
    authorised_until = models.DateField("授权截止日期", null=True, blank=True)
    scopes = models.JSONField(
        "授权范围", default=list, blank=True, help_text="授权范围代码列表；法定代表人拥有全部范围"
    )
    note = models.CharField("授权说明", max_length=200, blank=True)
    verified_at = models.DateTimeField("核验时间", null=True, blank=True)
    verification = models.CharField(
        "核验方式", max_length=10, choices=Verification.choices, blank=True
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核验人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
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

    def covers(self, scope: str) -> bool:
        return self.role == self.Role.LEGAL_REPRESENTATIVE or scope in (self.scopes or [])

    @property
    def scope_codes(self) -> list[str]:
        return [s for s in self.Scope.values if self.covers(s)]

    @property
    def scope_labels(self) -> list[str]:
        return [self.Scope(s).label for s in self.scope_codes]

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.authorised_until is not None and self.authorised_until < timezone.localdate():
            return self.State.EXPIRED
        return self.State.VERIFIED if self.verified_at is not None else self.State.PENDING

    @property
    def state_label(self) -> str:
        return self.State(self.state).label


class RegistryAccess(models.Model):
    """One read of a subject's registry record by a member of staff: who read which fields
    of whose record, why, through what and when. The person sees these rows on their account
    (谁查看了我的信息); they are written in the transaction of the read (people/access_log.py).

    The reader's name, department and role are kept as they were at the time of the read
    (the name already masked: it is what the person is shown); `reader` says who it was."""

    class Channel(models.TextChoices):
        ELIGIBILITY = "eligibility", "资格核验"
        LOOKUP = "lookup", "人员查询"
        ADMIN = "admin", "管理后台"

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="查看人账号",
        on_delete=models.PROTECT,
        related_name="registry_reads",
    )
    reader_name = models.CharField("查看人(脱敏)", max_length=20)
    reader_department = models.CharField("查看人所属部门", max_length=150, blank=True)
    reader_role = models.CharField("查看人角色", max_length=50, blank=True)
    person = models.ForeignKey(
        Person,
        verbose_name="自然人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registry_reads",
    )
    company = models.ForeignKey(
        Company,
        verbose_name="法人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registry_reads",
    )
    fields = models.JSONField("查看的字段", default=list, help_text="登记表字段名")
    purpose = models.CharField("查询用途", max_length=200)
    channel = models.CharField("查看途径", max_length=12, choices=Channel.choices)
    at = models.DateTimeField("查看时间", auto_now_add=True)

    class Meta:
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, company__isnull=True)
                | models.Q(person__isnull=True, company__isnull=False),
                name="people_access_one_subject",
            )
        ]
        indexes = [
            models.Index(fields=["person", "-at"], name="people_access_person_idx"),
            models.Index(fields=["company", "-at"], name="people_access_company_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reader_name} · {self.get_channel_display()} · {self.at:%Y-%m-%d %H:%M}"


# ---- 掌上办: API tokens and system API keys live in yishi/people/tokens.py (issue 19); imported
# here so Django registers their models with this app.
from yishi.people.tokens import ApiKey, ApiToken  # noqa: E402, F401
