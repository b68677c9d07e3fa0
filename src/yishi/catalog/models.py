"""The catalog ("一张清单"): regions, departments, service matters with every standard element.

A Matter row holds the current elements and is what the admin edits; each publication freezes
the elements into a MatterVersion snapshot, which cases keep (an application started under
version 3 keeps version 3 after version 4 is published).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from yishi.core.roles import PERMISSIONS as ROLE_PERMISSIONS


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, "省级"
    CITY = 2, "市级"
    COUNTY = 3, "县级"
    TOWNSHIP = 4, "乡级"
    VILLAGE = 5, "村级"


class Region(models.Model):
    """A division with its GB/T 2260 code (12-digit 统计用区划代码 below county level)."""

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=50)
    level = models.PositiveSmallIntegerField("层级", choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def full_name(self) -> str:
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


class Department(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", "政府部门"
        TOWN = "town", "乡镇政府/园区管委会"
        SERVICE_CENTRE = "centre", "政务服务中心"
        INSTITUTION = "institution", "事业单位"
        UTILITY = "utility", "公共服务企业"
        VERTICAL = "vertical", "垂直管理部门"

    code = models.CharField("部门编码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=30, blank=True)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices, default=Kind.GOVERNMENT)
    region = models.ForeignKey(
        Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="departments"
    )
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    phone = models.CharField("咨询电话", max_length=30, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级部门",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门(实施主体)"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Topic(models.Model):
    """A life event (个人) or company event (法人) under which matters are browsed."""

    class Audience(models.TextChoices):
        PERSON = "person", "个人办事"
        COMPANY = "company", "法人办事"

    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=30)
    audience = models.CharField("服务对象", max_length=10, choices=Audience.choices)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "主题分类"
        verbose_name_plural = "主题分类(人生/企业事件)"
        ordering = ["audience", "order", "code"]

    def __str__(self) -> str:
        return self.name


class MatterType(models.TextChoices):
    LICENSING = "licensing", "行政许可"
    CONFIRMATION = "confirmation", "行政确认"
    PAYMENT = "payment", "行政给付"
    ADJUDICATION = "adjudication", "行政裁决"
    AWARD = "award", "行政奖励"
    LEVY = "levy", "行政征收"
    OTHER_POWER = "other_power", "其他行政权力"
    PUBLIC_SERVICE = "public_service", "公共服务"


class OnlineDepth(models.TextChoices):
    FULL = "full", "全程网办"
    PRE_REVIEW = "pre_review", "网上预审"
    ONLINE_APPLY = "online_apply", "网上申请、窗口核验"
    OFFLINE = "offline", "仅限窗口办理"


class CrossRegion(models.TextChoices):
    NONE = "none", "不支持"
    PROVINCE = "province", "全省通办"
    METRO = "metro", "武汉都市圈一圈通办"
    NATIONAL = "national", "跨省通办"


class OutletScope(models.TextChoices):
    """Where within the district a matter can be handled, beyond its own department's
    windows: 就近办 brings it down to the town and village service points, 全城通办 lets any
    outlet of the district accept it."""

    OWN = "", "实施主体所在网点"
    NEARBY = "nearby", "就近办（镇、村便民服务点可办）"
    CITYWIDE = "citywide", "全城通办（区内各网点可办）"


class CommitmentExclusion(models.TextChoices):
    """Fields where 告知承诺 does not apply by law (scope exclusions of 国办发〔2020〕42号 as
    applied in local rules)."""

    NATIONAL_SECURITY = "national_security", "国家安全"
    STATE_SECRET = "state_secret", "国家秘密"
    PUBLIC_SAFETY = "public_safety", "公共安全"
    FINANCIAL = "financial", "金融业审慎监管"
    ENVIRONMENT = "environment", "生态环境保护"
    HEALTH_LIFE = "health_life", "直接涉及人身健康、生命财产安全"
    FOREIGN = "foreign", "重要涉外事项"


class Matter(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已停用"

    class Handling(models.TextChoices):
        INSTANT = "instant", "即办件"
        PROMISED = "promised", "承诺件"

    class Audience(models.TextChoices):
        PERSON = "person", "自然人"
        COMPANY = "company", "法人"
        BOTH = "both", "自然人、法人"

    class ResultType(models.TextChoices):
        LICENCE = "licence", "证照"
        APPROVAL = "approval", "批文"
        CERTIFICATE = "certificate", "证明"
        FUNDS = "funds", "资金"
        SERVICE = "service", "服务/办理结果"
        OTHER = "other", "其他"

    code = models.CharField("实施编码", max_length=60, unique=True)
    basic_code = models.CharField(
        "基本编码", max_length=30, db_index=True, help_text="同一事项在各层级相同"
    )
    name = models.CharField("事项名称", max_length=120, db_index=True)
    short_name = models.CharField("简称", max_length=60, blank=True)
    matter_type = models.CharField("事项类型", max_length=20, choices=MatterType.choices)
    level = models.PositiveSmallIntegerField("行使层级", choices=RegionLevel.choices)
    region = models.ForeignKey(
        Region, verbose_name="实施区划", on_delete=models.PROTECT, related_name="matters"
    )
    department = models.ForeignKey(
        Department, verbose_name="实施主体", on_delete=models.PROTECT, related_name="matters"
    )
    base = models.ForeignKey(
        "self",
        verbose_name="上级层级事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="implementations",
        help_text="实施清单挂接的上一层级事项，用于“五级同”比对",
    )
    audience = models.CharField(
        "服务对象", max_length=10, choices=Audience.choices, default=Audience.PERSON
    )
    topics = models.ManyToManyField(
        Topic, verbose_name="主题分类", blank=True, related_name="matters"
    )
    keywords = models.CharField(
        "检索关键词", max_length=200, blank=True, help_text="以空格分隔的俗称、别名"
    )

    legal_basis = models.TextField("设定依据")
    conditions = models.TextField("受理条件")
    process = models.TextField("办理流程")
    legal_limit_days = models.PositiveSmallIntegerField(
        "法定办结时限(工作日)", null=True, blank=True, help_text="法律未规定时限的留空"
    )
    promised_limit_days = models.PositiveSmallIntegerField(
        "承诺办结时限(工作日)", default=0, help_text="即办件填 0"
    )
    handling = models.CharField("办件类型", max_length=10, choices=Handling.choices)
    fee_required = models.BooleanField("是否收费", default=False)
    fee_standard = models.TextField("收费标准", blank=True)
    fee_basis = models.TextField("收费依据", blank=True)
    result_name = models.CharField("办理结果名称", max_length=100)
    result_type = models.CharField("结果类型", max_length=20, choices=ResultType.choices)
    result_delivery = models.CharField("结果送达方式", max_length=100, blank=True)
    place = models.CharField("办理地点", max_length=200)
    hours = models.CharField("办理时间", max_length=200)
    consult_phone = models.CharField("咨询电话", max_length=60)
    complaint_phone = models.CharField("监督投诉电话", max_length=60)
    online_depth = models.CharField("网办深度", max_length=20, choices=OnlineDepth.choices)
    visits = models.PositiveSmallIntegerField("到现场次数", default=0)
    mobile = models.BooleanField("掌上可办", default=False)
    cross_region = models.CharField(
        "通办范围", max_length=20, choices=CrossRegion.choices, default=CrossRegion.NONE
    )
    outlet_scope = models.CharField(
        "就近办范围",
        max_length=10,
        choices=OutletScope.choices,
        default=OutletScope.OWN,
        blank=True,
        help_text="就近办：镇（街道）、村（社区）便民服务点可受理；全城通办：区内任一服务网点可受理",
    )

    # 告知承诺与容缺受理 (which materials may be promised or supplied later: see Material).
    commitment_defer_days = models.PositiveSmallIntegerField(
        "容缺材料默认补交期限(工作日)",
        default=10,
        help_text="材料未单独规定补交期限时适用，1—60 个工作日；国家未统一规定，以本地规定为准",
    )
    commitment_text = models.TextField(
        "承诺书文本模板",
        blank=True,
        help_text="留空时使用系统默认的告知承诺书文本；可用占位符 {applicant}(承诺人) "
        "{matter}(事项名称) {items}(承诺事项清单) {due}(补交期限) {department}(实施主体)",
    )
    commitment_exclusion = models.CharField(
        "不适用告知承诺的领域",
        max_length=20,
        choices=CommitmentExclusion.choices,
        blank=True,
        help_text="属于所列领域的事项依法不适用告知承诺和容缺受理，其材料不能标记“容缺后补”或"
        "“可告知承诺替代”",
    )
    # 审管衔接: an approval of a supervised matter opens a 事中事后 check by the supervisor.
    supervised = models.BooleanField("纳入审管衔接(事中事后监管)", default=False)
    supervising_department = models.ForeignKey(
        Department,
        verbose_name="监管部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_matters",
        help_text="留空时由实施主体（审批部门）负责监管",
    )
    supervision_days = models.PositiveSmallIntegerField(
        "核查期限(工作日)", default=20, help_text="审批办结后监管部门完成核查的期限"
    )

    # 秒批秒办: set from the matter's instant-approval rule (licences.InstantRule), never by
    # hand, so that submission knows without another query whether to ask for a decision.
    instant_approval = models.BooleanField("秒批秒办", default=False, editable=False)

    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField("当前版本号", default=0, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    # Denormalised search terms (see catalog.search); rebuilt on every save through the service.
    search_text = models.TextField("检索文本", blank=True, editable=False)

    class Meta:
        verbose_name = "政务服务事项"
        verbose_name_plural = "政务服务事项"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(legal_limit_days__isnull=True)
                | models.Q(promised_limit_days__lte=models.F("legal_limit_days")),
                name="matter_promised_within_legal",
                violation_error_message="承诺办结时限不得超过法定办结时限",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from yishi.catalog.commitments import matter_row_errors

        errors = matter_row_errors(self)
        if errors:
            raise ValidationError(errors)

    @property
    def commitment_enabled(self) -> bool:
        """Whether any material may be promised (告知承诺) or supplied later (容缺)."""
        if self.pk is None:
            return False
        cached = getattr(self, "_prefetched_objects_cache", {}).get("materials")
        if cached is not None:
            return any(m.deferrable or m.by_commitment for m in cached)
        return self.materials.filter(
            models.Q(deferrable=True) | models.Q(by_commitment=True)
        ).exists()

    @property
    def supervisor(self) -> Department:
        """The department that runs the 事中事后 checks: the approving one unless set."""
        return self.supervising_department or self.department


class Material(models.Model):
    class Form(models.TextChoices):
        ORIGINAL = "original", "原件"
        COPY = "copy", "复印件"
        ORIGINAL_AND_COPY = "both", "原件和复印件"
        ELECTRONIC = "electronic", "电子材料"

    class Source(models.TextChoices):
        APPLICANT = "applicant", "申请人自备"
        LICENCE = "licence", "电子证照调取"
        SHARED = "shared", "部门共享获取"
        GOVERNMENT = "government", "政府部门核发"

    matter = models.ForeignKey(
        Matter, verbose_name="事项", on_delete=models.CASCADE, related_name="materials"
    )
    order = models.PositiveSmallIntegerField("序号", default=0)
    name = models.CharField("材料名称", max_length=150)
    kind = models.CharField(
        "材料标识",
        max_length=60,
        blank=True,
        db_index=True,
        help_text="同一种材料在各事项中使用同一标识，用于一套材料去重",
    )
    required = models.BooleanField("是否必需", default=True)
    form = models.CharField("材料形式", max_length=20, choices=Form.choices, default=Form.ORIGINAL)
    copies = models.PositiveSmallIntegerField("份数", default=1)
    spec = models.CharField("纸质规格", max_length=60, blank=True, default="A4")
    source = models.CharField(
        "来源渠道", max_length=20, choices=Source.choices, default=Source.APPLICANT
    )
    licence_type = models.CharField(
        "对应电子证照", max_length=60, blank=True, help_text="可由该类电子证照替代时填写"
    )
    blank_form = models.FileField("空白表格", upload_to="catalog/forms/", blank=True)
    sample = models.FileField("示例样表", upload_to="catalog/samples/", blank=True)
    deferrable = models.BooleanField("容缺后补", default=False, help_text="承诺后可在受理后补交")
    defer_days = models.PositiveSmallIntegerField(
        "容缺补交期限(工作日)",
        null=True,
        blank=True,
        help_text="1—60 个工作日；留空时适用事项的“容缺材料默认补交期限”",
    )
    by_commitment = models.BooleanField(
        "可告知承诺替代",
        default=False,
        help_text="证明材料：申请人选择告知承诺时以签署的承诺书替代，不再要求提交",
    )
    note = models.TextField("填报说明", blank=True)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["matter", "order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from yishi.catalog.commitments import material_row_errors

        errors = material_row_errors(self)
        if errors:
            raise ValidationError(errors)

    @property
    def effective_defer_days(self) -> int:
        """Working days to supply this material after acceptance on a commitment."""
        if self.defer_days is not None:
            return self.defer_days
        return self.matter.commitment_defer_days


class MatterVersion(models.Model):
    """A published matter frozen: the full elements as JSON, hashed with SM3."""

    matter = models.ForeignKey(
        Matter, verbose_name="事项", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    snapshot = models.JSONField("要素快照")
    content_hash = models.CharField("内容哈希(SM3)", max_length=64)
    published_at = models.DateTimeField("发布时间")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    class Meta:
        verbose_name = "事项版本"
        verbose_name_plural = "事项版本"
        ordering = ["matter", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "number"], name="matter_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.matter.name} v{self.number}"


class StaffProfile(models.Model):
    """Where a staff account acts: its department and (for hall and window staff) a service
    centre. What it may do are its roles (yishi.core.roles), held through groups."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    department = models.ForeignKey(
        Department, verbose_name="所属部门", on_delete=models.PROTECT, related_name="staff"
    )
    service_centre = models.ForeignKey(
        Department,
        verbose_name="所在政务服务中心",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="centre_staff",
        limit_choices_to={"kind": Department.Kind.SERVICE_CENTRE},
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员(部门与服务中心)"
        permissions = ROLE_PERMISSIONS

    def __str__(self) -> str:
        return f"{self.user.get_username()} · {self.department}"


class MatterSearchTerm(models.Model):
    """One searchable string of a published matter (a name suffix, its full pinyin or
    initials, a department or topic name), matched by indexed prefix ranges; see
    catalog.search. The matter's ranking and filter columns are copied onto each term so a
    search reads one covering index and never the wide matter rows."""

    matter = models.ForeignKey(
        Matter, verbose_name="事项", on_delete=models.CASCADE, related_name="search_terms"
    )
    term = models.CharField("检索词", max_length=48)
    weight = models.PositiveSmallIntegerField("权重")
    name_length = models.PositiveSmallIntegerField("事项名称长度")
    level = models.PositiveSmallIntegerField("行使层级", choices=RegionLevel.choices)
    audience = models.CharField("服务对象", max_length=10, choices=Matter.Audience.choices)
    department = models.ForeignKey(
        Department,
        verbose_name="实施主体",
        on_delete=models.CASCADE,
        db_index=False,
        db_constraint=False,
        related_name="+",
    )
    region = models.ForeignKey(
        Region,
        verbose_name="实施区划",
        on_delete=models.CASCADE,
        db_index=False,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        verbose_name = "事项检索词"
        verbose_name_plural = "事项检索词"
        # Leading `term` serves `term >= q AND term < q || U+FFFF`; the other columns make the
        # index covering for scoring, ranking and filtering.
        indexes = [
            models.Index(
                fields=[
                    "term", "matter", "weight", "name_length", "level", "audience",
                    "department", "region",
                ],
                name="catalog_term_prefix_idx",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.term


class SearchSynonym(models.Model):
    """An everyday phrasing of a catalog term ("生孩子" → "新生儿出生", "饭馆" → "餐饮 食品经营"),
    edited by administrators from the no-result log. Where the phrase is in a query, each of the
    expansions (separated by spaces, commas or 、) is searched as well as the phrase itself; a
    target puts that one item first. See catalog.unified_search."""

    class Kind(models.TextChoices):
        THEME = "theme", "一件事"
        MATTER = "matter", "事项"
        POLICY = "policy", "政策"

    phrase = models.CharField(
        "群众说法", max_length=30, unique=True, help_text="例如：生孩子、开饭店、社保卡丢了"
    )
    expansion = models.CharField(
        "对应规范用语",
        max_length=60,
        help_text=(
            "检索时与群众说法一并查找；多个规范用语用空格或顿号分隔，例如：餐饮 食品经营；"
            "留空则只按指向对象"
        ),
        blank=True,
    )
    target_kind = models.CharField("直达对象类别", max_length=10, choices=Kind.choices, blank=True)
    target_code = models.CharField(
        "直达对象编码",
        max_length=64,
        blank=True,
        help_text="一件事主题、事项或政策的编码（见各自的管理页面）；填写后该对象排在最前",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "搜索同义词"
        verbose_name_plural = "搜索同义词"
        ordering = ["phrase"]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.expansion or self.target_code}"

    def clean(self) -> None:
        if bool(self.target_kind) != bool(self.target_code):
            raise ValidationError("直达对象类别和编码须同时填写或同时留空。")
        if not self.expansion and not self.target_code:
            raise ValidationError("请填写对应规范用语或直达对象。")


class SearchMiss(models.Model):
    """A normalised query that found nothing, counted, for administrators to add synonyms.
    Queries that may hold personal data (runs of 6+ digits: ID or phone numbers) are never
    stored."""

    query = models.CharField("搜索词", max_length=50, unique=True)
    count = models.PositiveIntegerField("次数", default=1)
    first_seen = models.DateTimeField("首次出现", auto_now_add=True)
    last_seen = models.DateTimeField("最近出现")

    class Meta:
        verbose_name = "无结果搜索词"
        verbose_name_plural = "无结果搜索词"
        ordering = ["-count", "-last_seen"]

    def __str__(self) -> str:
        return self.query
