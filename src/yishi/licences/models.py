"""E-licences (电子证照, GB/T 36901–36906) and department e-seals (电子印章, GB/T 38540).

A department's seal is an SM2 key held by yishi.core.signing under the owner
"dept:<department code>" plus a seal image; a licence is signed by its issuer's seal over a
canonical serialisation of its fields (see yishi.licences.canonical), so one changed field or
signature byte fails verification.
"""

from __future__ import annotations

from django.db import models

from yishi.catalog.models import Department, Matter
from yishi.core.fields import EncryptedJSONField, EncryptedTextField
from yishi.people.models import Company, Person


class Seal(models.Model):
    """A department's e-seal: the key lives in core.signing (owner "dept:<code>"), the image
    here. Rotation gives the owner a new key; old licences keep verifying."""

    department = models.OneToOneField(
        Department, verbose_name="部门", on_delete=models.PROTECT, related_name="seal"
    )
    name = models.CharField("印章名称", max_length=120)
    image_png = models.BinaryField("印章图像(PNG)", editable=False)
    key_id = models.CharField("当前密钥标识", max_length=32, blank=True)
    active = models.BooleanField("启用中", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    rotated_at = models.DateTimeField("最近轮换时间", null=True, blank=True)

    class Meta:
        verbose_name = "电子印章"
        verbose_name_plural = "电子印章"
        ordering = ["department__code"]

    def __str__(self) -> str:
        return self.name

    @property
    def owner(self) -> str:
        return seal_owner(self.department)


def seal_owner(department: Department) -> str:
    """The core.signing owner name of a department's seal key."""
    return f"dept:{department.code}"


class LicenceType(models.Model):
    """A kind of licence (证照类型) with its data fields. `names` are the texts a catalog
    material's 对应电子证照 (Material.licence_type) may use for it."""

    code = models.CharField(
        "证照类型代码", max_length=20, unique=True, help_text="大写字母或数字，用于证照编号"
    )
    name = models.CharField("证照名称", max_length=60, unique=True)
    names = models.JSONField(
        "别名", default=list, blank=True, help_text="材料“对应电子证照”可能使用的其他名称"
    )
    material_kind = models.CharField(
        "材料标识",
        max_length=60,
        blank=True,
        help_text="作为申请材料时的标识，如 birth_certificate",
    )
    holder_kind = models.CharField(
        "持证主体",
        max_length=10,
        choices=[("person", "自然人"), ("company", "法人"), ("any", "均可")],
        default="any",
    )
    fields = models.JSONField(
        "照面信息项",
        default=list,
        blank=True,
        help_text='[{"key": "…", "label": "…", "kind": "text", "from": ["申请表字段标识", …]}]'
        "；from 为取值的申请表字段（依次取第一个已填写的，缺省为同名字段）",
    )
    subject = models.JSONField(
        "持证人取值",
        default=dict,
        blank=True,
        help_text='证照所涉之人取自申请表时填写，如 {"name": ["baby_name"], "id_number": '
        '["baby_id"]}；与申请人不同时，证照载明该人为持证人、申请人为申请人/监护人。'
        "留空表示持证人即申请人",
    )
    validity_years = models.PositiveSmallIntegerField(
        "有效期(年)", null=True, blank=True, help_text="长期有效的留空"
    )
    issuing_matters = models.ManyToManyField(
        Matter,
        verbose_name="颁发事项",
        blank=True,
        related_name="licence_types",
        help_text="办结后颁发本证照的事项",
    )
    matter_basic_codes = models.JSONField(
        "颁发事项基本编码",
        default=list,
        blank=True,
        help_text="基本编码相同的各级事项办结后均颁发本证照",
    )

    class Meta:
        verbose_name = "证照类型"
        verbose_name_plural = "证照类型"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def all_names(self) -> list[str]:
        return [self.name, *[n for n in self.names if isinstance(n, str)]]


class Licence(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", "有效"
        REVOKED = "revoked", "已撤销"

    class Source(models.TextChoices):
        ISSUED = "issued", "本平台签发"
        IMPORTED = "imported", "外部导入"

    class Trust(models.TextChoices):
        # 国办函〔2016〕108号: A issuer's own document with its seal; B verified by staff.
        A = "A", "A级（发证机关签章）"
        B = "B", "B级（工作人员核验）"

    number = models.CharField("证照编号", max_length=120, unique=True)
    type = models.ForeignKey(
        LicenceType, verbose_name="证照类型", on_delete=models.PROTECT, related_name="licences"
    )
    person = models.ForeignKey(
        Person,
        verbose_name="持证人(自然人)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licences",
    )
    company = models.ForeignKey(
        Company,
        verbose_name="持证主体(法人)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licences",
    )
    # The holder when not in the people registry (a newborn before 落户): the licence is
    # held on their behalf by `applicant`. Personal data: encrypted like the registry's.
    subject_name = EncryptedTextField("持证人姓名(未登记)", blank=True)
    subject_id_number = EncryptedTextField("持证人公民身份号码(未登记)", blank=True)
    applicant = models.ForeignKey(
        Person,
        verbose_name="申请人/监护人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licences_applied",
        help_text="证照所涉之人不是申请人本人时（如新生儿），为其申请的人",
    )
    issuer = models.ForeignKey(
        Department, verbose_name="发证机关", on_delete=models.PROTECT, related_name="licences"
    )
    subcase = models.OneToOneField(
        "cases.SubCase",
        verbose_name="办件子件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licence",
    )
    # Names of the holder, the parents and the applicant: SM4 at rest like form data.
    data = EncryptedJSONField("照面信息", default=dict, blank=True)
    issued_on = models.DateField("颁发日期")
    valid_from = models.DateField("有效期起")
    valid_until = models.DateField("有效期至", null=True, blank=True, help_text="长期有效留空")
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.VALID, db_index=True
    )
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_reason = models.TextField("撤销理由", blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.ISSUED)
    trust_level = models.CharField("可信等级", max_length=1, choices=Trust.choices, default=Trust.A)
    signature = models.JSONField("签章(SM2)", default=dict, editable=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "电子证照"
        verbose_name_plural = "电子证照"
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, company__isnull=True)
                | models.Q(person__isnull=True, company__isnull=False)
                | models.Q(person__isnull=True, company__isnull=True, applicant__isnull=False),
                name="licences_licence_one_holder",
                violation_error_message=(
                    "证照须且只能有一个持证主体（自然人或法人，或由申请人/监护人代持）"
                ),
            )
        ]
        indexes = [models.Index(fields=["valid_until"], name="licences_valid_until_idx")]

    def __str__(self) -> str:
        return f"{self.type.name} {self.number}"

    @property
    def holder(self) -> Person | Company | None:
        """The registered holder; None for a holder not in the registry (see subject_name)."""
        if self.person_id:
            return self.person
        return self.company if self.company_id else None

    @property
    def holder_name(self) -> str:
        holder = self.holder
        return holder.name if holder is not None else self.subject_name


class LicenceSerial(models.Model):
    """The last serial number used per (type, issuer, year), locked when a number is taken."""

    type = models.ForeignKey(LicenceType, verbose_name="证照类型", on_delete=models.CASCADE)
    issuer = models.ForeignKey(Department, verbose_name="发证机关", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField("年份")
    last = models.PositiveIntegerField("已用流水号", default=0)

    class Meta:
        verbose_name = "证照流水号"
        verbose_name_plural = "证照流水号"
        constraints = [
            models.UniqueConstraint(
                fields=["type", "issuer", "year"], name="licences_serial_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.type_id}/{self.issuer_id}/{self.year}: {self.last}"


class InstantRule(models.Model):
    """秒批秒办: the machine-checkable review points of an auto-decidable matter. An
    application of the matter that meets every point is accepted, approved and its licence
    issued with no human step; one that fails any point goes to window staff with the reason.
    Every material must come from a licence the applicant holds or from shared data (always
    checked); `points` add rules on licences held and on form fields (see licences.instant)."""

    matter = models.OneToOneField(
        Matter, verbose_name="事项", on_delete=models.CASCADE, related_name="instant_rule"
    )
    enabled = models.BooleanField("启用秒批秒办", default=True)
    points = models.JSONField(
        "审查要点",
        default=list,
        blank=True,
        help_text='JSON 列表，例如 [{"kind": "holds_licence", "type": "CJRZ"}, '
        '{"kind": "field", "field": "reason", "op": "in", "value": ["有效期满", "证件损毁"]}]',
    )
    shared_materials = models.JSONField(
        "共享获取的材料",
        default=list,
        blank=True,
        help_text="由人口库、部门共享或网上申请表直接提供、申请人无需提交的材料名称列表",
    )
    version = models.PositiveIntegerField("规则版本", default=0, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "秒批秒办规则"
        verbose_name_plural = "秒批秒办规则"
        ordering = ["matter__code"]

    def __str__(self) -> str:
        return f"{self.matter.name} 秒批规则 v{self.version}"

    @property
    def label(self) -> str:
        """The deciding rule as the audit log names it."""
        return f"秒批秒办规则「{self.matter.name}」v{self.version}"
