"""Benefit policies (惠企/惠民政策) with eligibility rules, 免申即享 runs and grants.

A policy's rule is JSON in the language of yishi.policies.rules; every change of the rule is
kept as a RuleVersion so that a run records the exact rule it applied. Amounts are data an
administrator sets (bands), never constants in code.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction

from yishi.catalog.models import Department
from yishi.core.errors import ValidationFailed
from yishi.people.models import Company, Person

SAMPLE_AMOUNT_NOTE = "示例金额，由管理员设定"
# A subject with a grant in one of these states is not granted the policy again.
BLOCKING_STATUSES = ["active", "contested", "declined", "completed"]
PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
FIELD_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Registry data an application form may be prefilled from ("owner.attribute").
PREFILL_SOURCES = {
    "company.name": "企业名称",
    "company.uscc": "统一社会信用代码",
    "company.legal_representative": "法定代表人",
    "company.address": "企业住所",
    "company.employees": "从业人数",
    "person.name": "经办人姓名",
    "person.phone": "经办人手机号",
}
FIELD_KINDS = {"text": "文本", "textarea": "多行文本", "number": "整数", "date": "日期"}


class SubjectKind(models.TextChoices):
    PERSON = "person", "自然人"
    COMPANY = "company", "法人(企业)"


def check_rule(rule: Any, subject: str, *, field: str = "rule") -> None:
    """Raise ValidationFailed (Chinese message, field path) unless `rule` is a valid rule for
    `subject`."""
    from yishi.policies import rules

    if not isinstance(rule, dict) or not rule:
        raise ValidationFailed(f"{field}：规则必须是非空的 JSON 对象", field=field)
    try:
        rules.validate_rule(rule, subject)
    except ValidationFailed as exc:
        # The rule language names paths from "rule"; a band's rule lives elsewhere.
        path = exc.field or "rule"
        message = exc.message
        if field != "rule" and (path == "rule" or path.startswith(("rule.", "rule["))):
            message = message.replace(path, field + path[4:], 1)
            path = field + path[4:]
        raise ValidationFailed(message, field=path, code=exc.code) from exc


def check_bands(bands: Any, subject: str) -> list[dict[str, Any]]:
    """Amount bands: a list of {label, amount, rule?, months?}; the first band whose rule
    holds sets the amount (a band without a rule matches everyone left)."""
    if not isinstance(bands, list) or not bands:
        raise ValidationFailed("请至少设置一个金额档次", field="amount_bands")
    cleaned = []
    for n, band in enumerate(bands):
        where = f"amount_bands[{n}]"
        if not isinstance(band, dict):
            raise ValidationFailed(f"{where}：金额档次必须是 JSON 对象", field=where)
        unknown = set(band) - {"label", "amount", "rule", "months", "note"}
        if unknown:
            raise ValidationFailed(
                f"{where}：未知的键 {', '.join(sorted(unknown))}", field=f"{where}.{min(unknown)}"
            )
        label = str(band.get("label") or "").strip()
        if not label:
            raise ValidationFailed(f"{where}.label：请填写档次名称", field=f"{where}.label")
        try:
            amount = Decimal(str(band.get("amount")))
        except (InvalidOperation, ValueError):
            amount = Decimal(-1)
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise ValidationFailed(
                f"{where}.amount：金额必须是不小于 0 的数字（最多两位小数）",
                field=f"{where}.amount",
            )
        item: dict[str, Any] = {"label": label, "amount": f"{amount:.2f}"}
        if band.get("rule") is not None:
            check_rule(band["rule"], subject, field=f"{where}.rule")
            item["rule"] = band["rule"]
        if band.get("months") is not None:
            months = band["months"]
            if not isinstance(months, int) or isinstance(months, bool) or months <= 0:
                raise ValidationFailed(
                    f"{where}.months：领取月数必须是正整数", field=f"{where}.months"
                )
            item["months"] = months
        if band.get("note"):
            item["note"] = str(band["note"])
        cleaned.append(item)
    return cleaned


def check_application_fields(fields: Any) -> list[dict[str, Any]]:
    """The form of an application policy as data: a list of {key, label, kind?, required?,
    prefill?, help?}; a prefilled field takes its value from the registries."""
    if fields in (None, ""):
        return []
    if not isinstance(fields, list):
        raise ValidationFailed("申报表字段必须是列表", field="application_fields")
    cleaned, seen = [], set()
    for n, row in enumerate(fields):
        where = f"application_fields[{n}]"
        if not isinstance(row, dict):
            raise ValidationFailed(f"{where}：字段必须是 JSON 对象", field=where)
        unknown = set(row) - {"key", "label", "kind", "required", "prefill", "help"}
        if unknown:
            raise ValidationFailed(
                f"{where}：未知的键 {', '.join(sorted(unknown))}", field=f"{where}.{min(unknown)}"
            )
        key = str(row.get("key") or "")
        if not FIELD_KEY_RE.match(key) or key in seen:
            raise ValidationFailed(
                f"{where}.key：字段标识须为小写字母开头的字母、数字或下划线，且不重复",
                field=f"{where}.key",
            )
        seen.add(key)
        label = str(row.get("label") or "").strip()
        if not label:
            raise ValidationFailed(f"{where}.label：请填写字段名称", field=f"{where}.label")
        kind = row.get("kind") or "text"
        if kind not in FIELD_KINDS:
            raise ValidationFailed(
                f"{where}.kind：字段类型须为 {'、'.join(FIELD_KINDS)} 之一", field=f"{where}.kind"
            )
        prefill = row.get("prefill") or ""
        if prefill and prefill not in PREFILL_SOURCES:
            raise ValidationFailed(
                f"{where}.prefill：不支持的预填来源 {prefill}", field=f"{where}.prefill"
            )
        item: dict[str, Any] = {
            "key": key,
            "label": label,
            "kind": kind,
            "required": bool(row.get("required", True)),
        }
        if prefill:
            item["prefill"] = prefill
        if row.get("help"):
            item["help"] = str(row["help"])
        cleaned.append(item)
    return cleaned


def check_faq(faq: Any) -> list[dict[str, str]]:
    """常见问题 of a policy as data: a list of {q, a}."""
    if faq in (None, ""):
        return []
    if not isinstance(faq, list):
        raise ValidationFailed("常见问题必须是列表", field="faq")
    cleaned = []
    for n, row in enumerate(faq):
        where = f"faq[{n}]"
        if not isinstance(row, dict) or set(row) - {"q", "a"}:
            raise ValidationFailed(f"{where}：每条须为 {{q: 问题, a: 解答}}", field=where)
        q, a = str(row.get("q") or "").strip(), str(row.get("a") or "").strip()
        if not q or not a:
            raise ValidationFailed(f"{where}：请填写问题和解答", field=where)
        cleaned.append({"q": q, "a": a})
    return cleaned


class Policy(models.Model):
    class Period(models.TextChoices):
        MONTHLY = "monthly", "按月"

    class Mode(models.TextChoices):
        PROACTIVE = "proactive", "免申即享"
        APPLICATION = "application", "即申即享"

    code = models.SlugField("政策编码", max_length=40, unique=True)
    name = models.CharField("政策名称", max_length=100)
    subject = models.CharField("对象类型", max_length=10, choices=SubjectKind.choices)
    department = models.ForeignKey(
        Department, verbose_name="兑现部门", on_delete=models.PROTECT, related_name="policies"
    )
    rule = models.JSONField("资格规则", help_text="规则 JSON，保存时校验字段与类型")
    rule_version = models.PositiveIntegerField("规则版本", default=1, editable=False)
    amount_bands = models.JSONField(
        "金额档次",
        default=list,
        help_text='列表，每档 {"label": 名称, "amount": 金额, "rule": 可选条件, "months": 可选领取月数}',
    )
    amount_note = models.CharField("金额说明", max_length=100, default=SAMPLE_AMOUNT_NOTE)
    period = models.CharField(
        "兑现周期", max_length=10, choices=Period.choices, default=Period.MONTHLY
    )
    starts_on = models.DateField("起始日期")
    ends_on = models.DateField("截止日期", null=True, blank=True, help_text="长期有效留空")
    active = models.BooleanField("启用", default=True)
    proactive = models.BooleanField(
        "免申即享", default=True, help_text="按月自动兑现，无需申请；不勾选则为即申即享（企业申报）"
    )
    # 即申即享: the catalog matter through which the policy is claimed, as a case of it.
    matter = models.ForeignKey(
        "catalog.Matter",
        verbose_name="申报事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        help_text="即申即享政策通过该事项申报办理",
    )
    application_fields = models.JSONField(
        "申报表字段",
        default=list,
        blank=True,
        help_text='列表，每项 {"key": 标识, "label": 名称, "kind": text/number/date/textarea, '
        '"required": 是否必填, "prefill": 预填来源如 company.name}',
    )
    faq = models.JSONField(
        "常见问题", default=list, blank=True, help_text='列表，每条 {"q": 问题, "a": 解答}'
    )
    description = models.TextField("政策说明", blank=True)
    basis = models.TextField("政策依据", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "政策"
        verbose_name_plural = "政策"
        ordering = ["subject", "code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, actor: object = "", **kwargs: Any) -> None:
        """Validate the rule (a policy never holds a rule the evaluators cannot run) and keep
        every version of it: a changed rule gets the next version number."""
        if self.subject not in SubjectKind.values:
            raise ValidationFailed("对象类型必须是 person 或 company", field="subject")
        check_rule(self.rule, self.subject)
        self.amount_bands = check_bands(self.amount_bands, self.subject)
        self.application_fields = check_application_fields(self.application_fields)
        self.faq = check_faq(self.faq)
        with transaction.atomic():
            previous = None
            if self.pk:
                previous = (
                    Policy.objects.select_for_update(no_key=True)
                    .filter(pk=self.pk)
                    .values("rule", "rule_version", "subject")
                    .first()
                )
            changed = previous is None or (
                previous["rule"] != self.rule or previous["subject"] != self.subject
            )
            if previous is not None:
                self.rule_version = previous["rule_version"] + (1 if changed else 0)
            super().save(*args, **kwargs)
            if changed:
                RuleVersion.objects.create(
                    policy=self,
                    version=self.rule_version,
                    rule=self.rule,
                    created_by=_actor_name(actor),
                )

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name, check in (
            ("rule", lambda: check_rule(self.rule, self.subject)),
            ("amount_bands", lambda: check_bands(self.amount_bands, self.subject)),
            ("application_fields", lambda: check_application_fields(self.application_fields)),
            ("faq", lambda: check_faq(self.faq)),
        ):
            try:
                check()
            except ValidationFailed as exc:
                errors[name] = exc.message
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "截止日期不能早于起始日期"
        if not self.proactive and self.matter_id is None:
            errors["matter"] = "即申即享政策须指定申报事项"
        if errors:
            raise ValidationError(errors)

    @property
    def is_sample_amount(self) -> bool:
        return "示例" in self.amount_note

    @property
    def mode(self) -> str:
        """免申即享 (paid from data, no application) or 即申即享 (applied for as a case)."""
        return self.Mode.PROACTIVE if self.proactive else self.Mode.APPLICATION

    def get_mode_display(self) -> str:
        return str(self.Mode(self.mode).label)


def _actor_name(actor: object) -> str:
    get_username = getattr(actor, "get_username", None)
    return str(get_username() if callable(get_username) else (actor or ""))[:150]


class RuleVersion(models.Model):
    policy = models.ForeignKey(
        Policy, verbose_name="政策", on_delete=models.CASCADE, related_name="rule_versions"
    )
    version = models.PositiveIntegerField("版本")
    rule = models.JSONField("规则")
    created_by = models.CharField("修改人", max_length=150, blank=True)
    created_at = models.DateTimeField("生效时间", auto_now_add=True)

    class Meta:
        verbose_name = "规则版本"
        verbose_name_plural = "规则版本"
        ordering = ["policy", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "version"], name="policies_rule_version_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.policy} v{self.version}"


class Run(models.Model):
    """One monthly 免申即享 run of a policy; at most one per policy and period."""

    class Status(models.TextChoices):
        DONE = "done", "已完成"

    policy = models.ForeignKey(
        Policy, verbose_name="政策", on_delete=models.PROTECT, related_name="runs"
    )
    period = models.CharField("兑现期间", max_length=7, help_text="YYYY-MM")
    rule_version = models.ForeignKey(
        RuleVersion, verbose_name="规则版本", on_delete=models.PROTECT, related_name="runs"
    )
    reference_date = models.DateField("资格判定日")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DONE)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    actor = models.CharField("执行人", max_length=150, blank=True)
    new_count = models.PositiveIntegerField("新增", default=0)
    continuing_count = models.PositiveIntegerField("继续", default=0)
    ended_count = models.PositiveIntegerField("终止", default=0)
    total_amount = models.DecimalField("发放总额", max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = "免申即享批次"
        verbose_name_plural = "免申即享批次"
        ordering = ["-period", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "period"], name="policies_run_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.period}"

    @property
    def paid_count(self) -> int:
        return self.new_count + self.continuing_count


class Grant(models.Model):
    """A benefit granted from data to one person or one company."""

    class Status(models.TextChoices):
        ACTIVE = "active", "享受中"
        CONTESTED = "contested", "有异议"
        ENDED = "ended", "已终止"
        COMPLETED = "completed", "已领满"
        DECLINED = "declined", "已放弃"

    policy = models.ForeignKey(
        Policy, verbose_name="政策", on_delete=models.PROTECT, related_name="grants"
    )
    person = models.ForeignKey(
        Person,
        verbose_name="享受人(自然人)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policy_grants",
    )
    company = models.ForeignKey(
        Company,
        verbose_name="享受主体(法人)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policy_grants",
    )
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    started_period = models.CharField("起始期间", max_length=7)
    ended_period = models.CharField(
        "终止期间", max_length=7, blank=True, help_text="自该月起不再发放"
    )
    amount = models.DecimalField("每期金额", max_digits=12, decimal_places=2)
    band = models.CharField("档次", max_length=60, blank=True)
    max_months = models.PositiveIntegerField("最长领取月数", null=True, blank=True)
    paid_months = models.PositiveIntegerField("已发放月数", default=0)
    created_run = models.ForeignKey(
        Run, verbose_name="产生批次", on_delete=models.PROTECT, related_name="created_grants"
    )
    ended_run = models.ForeignKey(
        Run,
        verbose_name="终止批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ended_grants",
    )
    end_reason = models.CharField("终止原因", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "免申即享待遇"
        verbose_name_plural = "免申即享待遇"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, company__isnull=True)
                | models.Q(person__isnull=True, company__isnull=False),
                name="policies_grant_one_subject",
                violation_error_message="待遇须且只能属于一个主体（自然人或法人）",
            ),
            # One open (declined, completed) grant per subject and policy: a second run
            # cannot pay anyone twice, and a declined benefit is not granted again.
            models.UniqueConstraint(
                fields=["policy", "person"],
                condition=models.Q(person__isnull=False, status__in=BLOCKING_STATUSES),
                name="policies_grant_open_person",
            ),
            models.UniqueConstraint(
                fields=["policy", "company"],
                condition=models.Q(company__isnull=False, status__in=BLOCKING_STATUSES),
                name="policies_grant_open_company",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} · {self.subject_name}"

    @property
    def subject_obj(self) -> Person | Company:
        return self.person if self.person_id else self.company

    @property
    def subject_name(self) -> str:
        return self.subject_obj.name

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.ACTIVE, self.Status.CONTESTED)


class RunChange(models.Model):
    """One line of a run: a grant added, continued (paid this period) or ended."""

    class Change(models.TextChoices):
        ADDED = "added", "新增"
        CONTINUED = "continued", "继续"
        ENDED = "ended", "终止"

    run = models.ForeignKey(
        Run, verbose_name="批次", on_delete=models.CASCADE, related_name="changes"
    )
    grant = models.ForeignKey(
        Grant, verbose_name="待遇", on_delete=models.CASCADE, related_name="changes"
    )
    change = models.CharField("变化", max_length=10, choices=Change.choices)
    amount = models.DecimalField("本期金额", max_digits=12, decimal_places=2, default=0)
    band = models.CharField("档次", max_length=60, blank=True)
    reason = models.CharField("原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "批次变化"
        verbose_name_plural = "批次变化"
        ordering = ["run", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "grant"], name="policies_change_once_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.run} {self.get_change_display()}"


class Objection(models.Model):
    """A beneficiary's 放弃 (decline) or 异议 (contest) of a grant."""

    class Kind(models.TextChoices):
        DECLINE = "decline", "放弃享受"
        CONTEST = "contest", "提出异议"

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        CLOSED = "closed", "已办结"

    grant = models.ForeignKey(
        Grant, verbose_name="待遇", on_delete=models.CASCADE, related_name="objections"
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    reason = models.TextField("理由")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提出人",
        on_delete=models.PROTECT,
        related_name="policy_objections",
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField("处理意见", blank=True)
    created_at = models.DateTimeField("提出时间", auto_now_add=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "放弃与异议"
        verbose_name_plural = "放弃与异议"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.grant}"


class Match(models.Model):
    """A subject found eligible for a policy by matching, and when it was told (the push is
    sent once per subject and policy)."""

    policy = models.ForeignKey(
        Policy, verbose_name="政策", on_delete=models.CASCADE, related_name="matches"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="policy_matches"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="policy_matches"
    )
    matched_on = models.DateField("匹配日期")
    notified_at = models.DateTimeField("推送时间", null=True, blank=True)

    class Meta:
        verbose_name = "政策匹配推送"
        verbose_name_plural = "政策匹配推送"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, company__isnull=True)
                | models.Q(person__isnull=True, company__isnull=False),
                name="policies_match_one_subject",
            ),
            models.UniqueConstraint(fields=["policy", "person"], name="policies_match_person"),
            models.UniqueConstraint(fields=["policy", "company"], name="policies_match_company"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} · {(self.person or self.company)}"


class Notice(models.Model):
    """An in-platform notice about policies to a subject (person or company), shown on the
    portal pages whether or not the subject has an account yet."""

    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="policy_notices"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="policy_notices"
    )
    policy = models.ForeignKey(
        Policy, verbose_name="政策", on_delete=models.CASCADE, related_name="notices"
    )
    text = models.TextField("内容")
    created_at = models.DateTimeField("发送时间", auto_now_add=True)

    class Meta:
        verbose_name = "政策通知"
        verbose_name_plural = "政策通知"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:30]


class PolicyApplication(models.Model):
    """A company's (or person's) application for a 即申即享 policy: a case of the policy's
    matter (cases.Application, reviewed through the normal flow), the eligibility shown before
    applying, the amount from the bands committed on approval, and the payment (兑现)."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", "待受理"
        SUPPLEMENT = "supplement", "待补正"
        REVIEWING = "reviewing", "审核中"
        REFUSED = "refused", "不予支持"
        WITHDRAWN = "withdrawn", "已撤回"
        COMMITTED = "committed", "已核定待兑现"
        PAID = "paid", "已兑现"

    policy = models.ForeignKey(
        Policy, verbose_name="政策", on_delete=models.PROTECT, related_name="applications"
    )
    application = models.OneToOneField(
        "cases.Application",
        verbose_name="办件",
        on_delete=models.PROTECT,
        related_name="policy_application",
    )
    company = models.ForeignKey(
        Company,
        verbose_name="申请企业",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policy_applications",
    )
    person = models.ForeignKey(
        Person,
        verbose_name="申请人(自然人)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policy_applications",
    )
    rule_version = models.PositiveIntegerField("规则版本")
    eligibility = models.JSONField("申请时资格核验", default=dict, blank=True)
    prefilled = models.JSONField("预填字段", default=list, blank=True)
    amount = models.DecimalField("核定金额", max_digits=12, decimal_places=2, null=True, blank=True)
    band = models.CharField("档次", max_length=60, blank=True)
    committed_at = models.DateTimeField("核定时间", null=True, blank=True)
    paid_at = models.DateTimeField("兑现时间", null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="兑现经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    payment_reference = models.CharField("支付凭证号", max_length=60, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)

    class Meta:
        verbose_name = "政策申报"
        verbose_name_plural = "政策申报(即申即享)"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, company__isnull=True)
                | models.Q(person__isnull=True, company__isnull=False),
                name="policies_application_one_subject",
                violation_error_message="申报须且只能属于一个主体（自然人或法人）",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} · {self.subject_name}"

    @property
    def subject_obj(self) -> Person | Company:
        return self.person if self.person_id else self.company

    @property
    def subject_name(self) -> str:
        return self.subject_obj.name

    @property
    def state(self) -> str:
        """Where the application stands: payment first, then the case's own status."""
        if self.paid_at is not None:
            return self.State.PAID
        if self.amount is not None:
            return self.State.COMMITTED
        status = self.application.status
        if status == "submitted":
            return self.State.SUBMITTED
        if status == "supplement_requested":
            return self.State.SUPPLEMENT
        if status == "accepted":
            paused = any(p.ended_on is None for p in self.application.pauses.all())
            return self.State.SUPPLEMENT if paused else self.State.REVIEWING
        if status == "withdrawn":
            return self.State.WITHDRAWN
        if status in ("refused", "suspended", "revoked"):
            return self.State.REFUSED
        # Completed but the amount not yet committed (an approval handled elsewhere, its
        # handler still to run): still under review for the applicant.
        return self.State.REVIEWING

    def get_state_display(self) -> str:
        return str(self.State(self.state).label)

    @property
    def is_open(self) -> bool:
        return self.state not in (self.State.REFUSED, self.State.WITHDRAWN)
