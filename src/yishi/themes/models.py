""" "一件事" themes: matters of several departments bundled with one notice, one form, one set
of materials. Everything here is data an administrator edits; nothing about a theme is code.

Conditions (on a matter or a form field) are JSON over the tailoring answers, evaluated by
themes.tailoring: {} always applies; {"all": [{"q": "<question code>", "in": ["<value>", …]}]}
applies when every listed question's answer is one of the values.
"""

from __future__ import annotations

from django.db import models

from yishi.catalog.models import Department, Matter


class Theme(models.Model):
    class Audience(models.TextChoices):
        PERSON = "person", "个人"
        COMPANY = "company", "法人"

    class Category(models.TextChoices):
        LAND = "land", "全面落地"
        UPGRADE = "upgrade", "优化升级"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已停用"

    code = models.SlugField("主题编码", max_length=40, unique=True)
    name = models.CharField("主题名称", max_length=60)
    audience = models.CharField("服务对象", max_length=10, choices=Audience.choices)
    category = models.CharField("推进类型", max_length=10, choices=Category.choices)
    lead_department = models.ForeignKey(
        Department, verbose_name="牵头部门", on_delete=models.PROTECT, related_name="led_themes"
    )
    summary = models.TextField("主题说明")
    conditions = models.TextField("适用对象与条件")
    keywords = models.CharField("检索关键词", max_length=200, blank=True)
    promised_days = models.PositiveSmallIntegerField(
        "整体承诺时限(工作日)",
        null=True,
        blank=True,
        help_text="留空则按依赖链最长路径计算",
    )
    order = models.PositiveSmallIntegerField("排序", default=0)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "一件事主题"
        verbose_name_plural = "一件事主题"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class ThemeQuestion(models.Model):
    """A tailoring question (情形引导): its answer decides which matters and fields apply."""

    class Kind(models.TextChoices):
        YES_NO = "yes_no", "是/否"
        CHOICE = "choice", "单选"

    theme = models.ForeignKey(
        Theme, verbose_name="主题", on_delete=models.CASCADE, related_name="questions"
    )
    code = models.SlugField("问题编码", max_length=40)
    text = models.CharField("问题", max_length=200)
    help_text = models.CharField("说明", max_length=300, blank=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.YES_NO)
    choices = models.JSONField(
        "选项",
        default=list,
        blank=True,
        help_text='单选题的选项：[{"value": "a", "label": "…"}]；是/否题留空',
    )
    default = models.CharField("默认答案", max_length=40, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "情形引导问题"
        verbose_name_plural = "情形引导问题"
        ordering = ["theme", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["theme", "code"], name="theme_question_code_unique")
        ]

    def __str__(self) -> str:
        return self.text


class ThemeMatter(models.Model):
    """A matter in a theme, with the condition under which it applies and the matters whose
    results it needs (依赖: it starts when they are done)."""

    theme = models.ForeignKey(
        Theme, verbose_name="主题", on_delete=models.CASCADE, related_name="items"
    )
    matter = models.ForeignKey(
        Matter, verbose_name="事项", on_delete=models.PROTECT, related_name="theme_items"
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)
    condition = models.JSONField("适用情形", default=dict, blank=True, help_text="留空表示总是办理")
    depends_on = models.ManyToManyField(
        "self",
        verbose_name="前置事项",
        symmetrical=False,
        blank=True,
        related_name="dependents",
        help_text="需要其办理结果才能开始的事项",
    )
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "主题事项"
        verbose_name_plural = "主题事项"
        ordering = ["theme", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["theme", "matter"], name="theme_matter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.theme.name} · {self.matter.name}"


class ThemeFormField(models.Model):
    """One field of the merged form (一表申请), declared once and mapped onto each matter's
    own field name; `prefill` names registry data the platform already holds."""

    class Kind(models.TextChoices):
        TEXT = "text", "文本"
        TEXTAREA = "textarea", "多行文本"
        DATE = "date", "日期"
        NUMBER = "number", "数字"
        CHOICE = "choice", "单选"
        ID_NUMBER = "id_number", "居民身份证号"
        CREDIT_CODE = "credit_code", "统一社会信用代码"
        MOBILE = "mobile", "手机号码"
        REGION = "region", "行政区划"

    class Prefill(models.TextChoices):
        NONE = "", "不预填"
        PERSON_NAME = "person.name", "申请人姓名"
        PERSON_ID = "person.id_number", "申请人身份证号"
        PERSON_BIRTH = "person.birth_date", "申请人出生日期"
        PERSON_SEX = "person.sex", "申请人性别"
        PERSON_PHONE = "person.phone", "申请人手机号"
        PERSON_REGION = "person.region_code", "申请人户籍地"
        COMPANY_NAME = "company.name", "企业名称"
        COMPANY_USCC = "company.uscc", "统一社会信用代码"
        COMPANY_REP = "company.legal_representative", "法定代表人"
        COMPANY_ADDRESS = "company.address", "企业住所"

    theme = models.ForeignKey(
        Theme, verbose_name="主题", on_delete=models.CASCADE, related_name="fields"
    )
    key = models.SlugField("字段标识", max_length=60)
    label = models.CharField("字段名称", max_length=60)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField("必填", default=True)
    choices = models.JSONField(
        "选项", default=list, blank=True, help_text='[{"value": "a", "label": "…"}]'
    )
    prefill = models.CharField(
        "预填来源", max_length=40, choices=Prefill.choices, blank=True, default=""
    )
    help_text = models.CharField("填写说明", max_length=300, blank=True)
    condition = models.JSONField("适用情形", default=dict, blank=True, help_text="留空表示总是填写")
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "一表申请字段"
        verbose_name_plural = "一表申请字段"
        ordering = ["theme", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["theme", "key"], name="theme_field_key_unique")
        ]

    def __str__(self) -> str:
        return self.label


class FieldMapping(models.Model):
    """Where a merged-form field goes in one matter's own form."""

    field = models.ForeignKey(
        ThemeFormField, verbose_name="一表字段", on_delete=models.CASCADE, related_name="mappings"
    )
    item = models.ForeignKey(
        ThemeMatter, verbose_name="主题事项", on_delete=models.CASCADE, related_name="mappings"
    )
    target = models.CharField(
        "事项表单字段", max_length=100, help_text="该事项原申请表中的字段名称"
    )

    class Meta:
        verbose_name = "字段映射"
        verbose_name_plural = "字段映射"
        constraints = [
            models.UniqueConstraint(fields=["field", "item"], name="field_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.field.label} → {self.item.matter.name}.{self.target}"
