"""一类事 packages (themes, single matters, policies and provider offers bundled for a stage of
a company's life or an industry) and the value-added service zone (providers, their offers,
the requests companies send them, the consent that lets a provider see a company's data).

Everything a package or an offer is, is data an administrator edits. What a started package
did lives in the existing engines (cases.Application, policies.PolicyApplication) and in
ServiceRequest; PackageRun only remembers which of them it started.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from yishi.catalog.models import Matter
from yishi.core.fields import EncryptedJSONField, EncryptedTextField
from yishi.people.models import Company
from yishi.policies.models import Policy
from yishi.themes.models import Theme


class Stage(models.TextChoices):
    OPEN = "open", "开办"
    PERMIT = "permit", "准营"
    OPERATE = "operate", "经营"
    CHANGE = "change", "变更"
    CLOSE = "close", "注销"


class Provider(models.Model):
    """A bank, law or accounting firm, recruiter, insurer or utility offering services in the
    zone."""

    class Kind(models.TextChoices):
        BANK = "bank", "银行"
        LAW = "law", "律师事务所"
        ACCOUNTING = "accounting", "会计师事务所"
        RECRUITMENT = "recruitment", "人力资源服务"
        INSURANCE = "insurance", "保险"
        UTILITY = "utility", "公用事业"

    code = models.SlugField("服务商编码", max_length=40, unique=True)
    name = models.CharField("服务商名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    summary = models.TextField("简介", blank=True)
    phone = models.CharField("服务电话", max_length=30, blank=True)
    demo = models.BooleanField("示例数据", default=False)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "服务商"
        verbose_name_plural = "服务商"
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name


class Offer(models.Model):
    provider = models.ForeignKey(
        Provider, verbose_name="服务商", on_delete=models.CASCADE, related_name="offers"
    )
    code = models.SlugField("服务编码", max_length=40, unique=True)
    name = models.CharField("服务名称", max_length=100)
    summary = models.TextField("服务说明")
    stages = models.JSONField(
        "适用阶段", default=list, blank=True, help_text="开办、准营、经营、变更、注销中的若干项"
    )
    active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "增值服务"
        verbose_name_plural = "增值服务"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.provider.name} · {self.name}"

    @property
    def stage_labels(self) -> list[str]:
        labels = dict(Stage.choices)
        return [str(labels[s]) for s in self.stages if s in labels]


class Package(models.Model):
    class Kind(models.TextChoices):
        STAGE = "stage", "企业发展阶段"
        INDUSTRY = "industry", "行业"

    code = models.SlugField("一类事编码", max_length=40, unique=True)
    name = models.CharField("一类事名称", max_length=60)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.STAGE)
    stage = models.CharField("企业阶段", max_length=10, choices=Stage.choices)
    industry = models.CharField("行业", max_length=40, blank=True)
    summary = models.TextField("说明")
    published = models.BooleanField("已发布", default=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "一类事"
        verbose_name_plural = "一类事"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Module(models.Model):
    """One module of a package: exactly one of a theme, a matter, a policy or an offer."""

    class Kind(models.TextChoices):
        THEME = "theme", "一件事"
        MATTER = "matter", "单个事项"
        POLICY = "policy", "惠企政策"
        OFFER = "offer", "增值服务"

    package = models.ForeignKey(
        Package, verbose_name="一类事", on_delete=models.CASCADE, related_name="modules"
    )
    kind = models.CharField("模块类型", max_length=10, choices=Kind.choices)
    theme = models.ForeignKey(
        Theme, verbose_name="一件事主题", null=True, blank=True, on_delete=models.PROTECT
    )
    matter = models.ForeignKey(
        Matter, verbose_name="事项", null=True, blank=True, on_delete=models.PROTECT
    )
    policy = models.ForeignKey(
        Policy, verbose_name="政策", null=True, blank=True, on_delete=models.PROTECT
    )
    offer = models.ForeignKey(
        Offer,
        verbose_name="增值服务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="modules",
    )
    answers = models.JSONField(
        "情形答案", default=dict, blank=True, help_text="一件事模块按此回答情形引导问题"
    )
    recommended = models.BooleanField("默认勾选", default=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "一类事模块"
        verbose_name_plural = "一类事模块"
        ordering = ["package", "order", "id"]
        constraints = [
            models.CheckConstraint(
                name="enterprise_module_one_target",
                condition=(
                    models.Q(
                        kind="theme",
                        theme__isnull=False,
                        matter__isnull=True,
                        policy__isnull=True,
                        offer__isnull=True,
                    )
                    | models.Q(
                        kind="matter",
                        theme__isnull=True,
                        matter__isnull=False,
                        policy__isnull=True,
                        offer__isnull=True,
                    )
                    | models.Q(
                        kind="policy",
                        theme__isnull=True,
                        matter__isnull=True,
                        policy__isnull=False,
                        offer__isnull=True,
                    )
                    | models.Q(
                        kind="offer",
                        theme__isnull=True,
                        matter__isnull=True,
                        policy__isnull=True,
                        offer__isnull=False,
                    )
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def target(self) -> Theme | Matter | Policy | Offer:
        return getattr(self, self.kind)

    @property
    def name(self) -> str:
        return self.target.name


class ServiceRequest(models.Model):
    """A company's request for an offer. The provider sees it only while a consent holds."""

    class State(models.TextChoices):
        OPEN = "open", "待答复"
        ANSWERED = "answered", "已答复"

    offer = models.ForeignKey(
        Offer, verbose_name="增值服务", on_delete=models.PROTECT, related_name="requests"
    )
    company = models.ForeignKey(
        Company, verbose_name="企业", on_delete=models.PROTECT, related_name="service_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    message = EncryptedTextField("需求说明", blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    answer = EncryptedTextField("服务商答复", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    rating = models.PositiveSmallIntegerField("评价", null=True, blank=True)
    rating_comment = EncryptedTextField("评价意见", blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "增值服务申请"
        verbose_name_plural = "增值服务申请"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.offer.name}（{self.created_at:%Y-%m-%d}）"


class ShareConsent(models.Model):
    """The company's consent that the provider of one request sees the chosen data; revoked
    by setting revoked_at (kept as the record of what was shared when)."""

    request = models.ForeignKey(
        ServiceRequest,
        verbose_name="增值服务申请",
        on_delete=models.CASCADE,
        related_name="consents",
    )
    fields = models.JSONField("共享内容", default=list)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="授权人", on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField("授权时间", auto_now_add=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤回人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField("撤回时间", null=True, blank=True)

    class Meta:
        verbose_name = "数据共享授权"
        verbose_name_plural = "数据共享授权"
        ordering = ["-granted_at", "-id"]
        constraints = [
            # At most one consent in force per request.
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(revoked_at__isnull=True),
                name="enterprise_one_live_consent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.request} · {self.granted_at:%Y-%m-%d}"


class ProviderAccount(models.Model):
    """A provider's staff login: sees and answers its own provider's requests only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        on_delete=models.CASCADE,
        related_name="provider_account",
    )
    provider = models.ForeignKey(
        Provider, verbose_name="服务商", on_delete=models.CASCADE, related_name="accounts"
    )
    name = models.CharField("姓名", max_length=50)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "服务商账号"
        verbose_name_plural = "服务商账号"

    def __str__(self) -> str:
        return f"{self.provider.name} · {self.name}"


class PackageRun(models.Model):
    """A package a company started: the modules it ticked and the one form it filled."""

    package = models.ForeignKey(
        Package, verbose_name="一类事", on_delete=models.PROTECT, related_name="runs"
    )
    company = models.ForeignKey(
        Company, verbose_name="企业", on_delete=models.PROTECT, related_name="package_runs"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )
    form_data = EncryptedJSONField("一表申请内容", default=dict)
    created_at = models.DateTimeField("发起时间", auto_now_add=True)

    class Meta:
        verbose_name = "一类事办理"
        verbose_name_plural = "一类事办理"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.package.name}（{self.company.name}）"


class RunItem(models.Model):
    """What one ticked module started, in the engine that handles it."""

    run = models.ForeignKey(
        PackageRun, verbose_name="一类事办理", on_delete=models.CASCADE, related_name="items"
    )
    module = models.ForeignKey(
        Module, verbose_name="模块", on_delete=models.PROTECT, related_name="+"
    )
    application = models.ForeignKey(
        "cases.Application",
        verbose_name="办件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    policy_application = models.ForeignKey(
        "policies.PolicyApplication",
        verbose_name="政策申报",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    service_request = models.ForeignKey(
        ServiceRequest,
        verbose_name="增值服务申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "一类事办理事项"
        verbose_name_plural = "一类事办理事项"
        ordering = ["run", "module__order", "id"]

    def __str__(self) -> str:
        return self.module.name
