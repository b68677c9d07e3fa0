"""Back-office for the "一件事" themes: a theme with its tailoring questions, matters (and their
prerequisites) and merged-form fields inline; form fields with their mappings onto each matter's
own form. Saving checks the dependency graph (prerequisites inside the theme, no cycle) and the
conditions against the questions submitted on the same page."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from yishi.core.audit import audit_append
from yishi.core.errors import ValidationFailed
from yishi.themes.models import FieldMapping, Theme, ThemeFormField, ThemeMatter, ThemeQuestion
from yishi.themes.services import (
    condition_check,
    content_hash,
    cycle_message,
    dependency_cycle,
    dependency_stages,
    question_values,
    theme_to_dict,
)

try:  # written by another helper; the panel shows only when it exists
    from yishi.themes.savings import theme_savings
except ImportError:  # pragma: no cover - depends on what is installed alongside
    theme_savings = None


def _live_forms(formset: forms.BaseFormSet) -> list[forms.Form]:
    return [
        f
        for f in formset.forms
        if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")
    ]


def _posted_questions(data: Mapping[str, Any], prefix: str = "questions") -> dict | None:
    """Question code -> (text, offered values) as submitted on the theme page, so conditions
    are checked against the questions being saved with them; None when not on the page."""
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", ""))
    except ValueError:
        return None
    questions: dict[str, tuple[str, set[str]]] = {}
    for i in range(total):
        row = f"{prefix}-{i}-"
        if data.get(row + "DELETE") or not data.get(row + "code"):
            continue
        kind = data.get(row + "kind") or ThemeQuestion.Kind.YES_NO
        try:
            choices = json.loads(data.get(row + "choices") or "[]")
        except ValueError:
            choices = []
        if not isinstance(choices, list):
            choices = []
        values = question_values(
            kind, [c for c in choices if isinstance(c, dict) and isinstance(c.get("value"), str)]
        )
        questions[data[row + "code"].strip()] = (data.get(row + "text", ""), values)
    return questions


def _check_condition(form: forms.Form, questions: dict | None, where: str) -> None:
    if questions is None or "condition" not in form.cleaned_data:
        return
    try:
        form.cleaned_data["condition"] = condition_check(
            form.cleaned_data["condition"], questions, "condition", where=where
        )
    except ValidationFailed as exc:
        form.add_error("condition", exc.message)


# --- questions ------------------------------------------------------------------------------


class QuestionFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in _live_forms(self):
            data = form.cleaned_data
            code, text = data.get("code"), data.get("text") or ""
            if code in seen:
                form.add_error("code", f"问题编码 {code} 重复")
            seen.add(code)
            kind, choices = data.get("kind"), data.get("choices") or []
            if kind == ThemeQuestion.Kind.CHOICE and (not isinstance(choices, list) or not choices):
                form.add_error("choices", f"单选问题「{text}」缺少选项")
                continue
            valid = [c for c in choices if isinstance(c, dict) and isinstance(c.get("value"), str)]
            default = data.get("default")
            if default and default not in question_values(kind, valid):
                form.add_error("default", f"问题「{text}」的默认答案 {default} 不是它的选项")


class QuestionInline(admin.TabularInline):
    model = ThemeQuestion
    formset = QuestionFormSet
    extra = 0
    fields = ("order", "code", "text", "kind", "choices", "default", "help_text")


# --- matters and their prerequisites --------------------------------------------------------


class ItemFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        # Prerequisites can only be matters of this theme (saved ones: a matter added on this
        # page can be chosen as a prerequisite after the first save).
        field = form.fields["depends_on"]
        if self.instance.pk:
            field.queryset = ThemeMatter.objects.filter(theme=self.instance).select_related(
                "matter"
            )
        else:
            field.queryset = ThemeMatter.objects.none()
        field.label_from_instance = lambda item: item.matter.name

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        live = _live_forms(self)
        names: dict[Any, str] = {}
        graph: dict[Any, list[Any]] = {}
        deleted = {
            f.instance.pk
            for f in self.forms
            if getattr(f, "cleaned_data", None) and f.cleaned_data.get("DELETE")
        }
        questions = _posted_questions(self.data)
        for i, form in enumerate(live):
            matter = form.cleaned_data.get("matter")
            node = form.instance.pk or f"new-{i}"
            names[node] = matter.name if matter else "（未选择事项）"
            deps = list(form.cleaned_data.get("depends_on") or [])
            for dep in deps:
                if dep.theme_id != self.instance.pk:
                    raise forms.ValidationError(
                        f"「{names[node]}」的前置事项「{dep.matter.name}」不在本主题中"
                    )
                if dep.pk in deleted:
                    raise forms.ValidationError(
                        f"「{names[node]}」的前置事项「{dep.matter.name}」正在被删除，"
                        "请先取消该前置关系"
                    )
            graph[node] = [d.pk for d in deps]
            _check_condition(form, questions, f"事项「{names[node]}」")
        cycle = dependency_cycle(graph)
        if cycle:
            raise forms.ValidationError(cycle_message([names[n] for n in cycle]))
        if self.instance.status == Theme.Status.PUBLISHED and len(live) < 2:
            raise forms.ValidationError("一件事主题至少应包含 2 个事项，才能发布")


class ItemInline(admin.TabularInline):
    model = ThemeMatter
    formset = ItemFormSet
    extra = 0
    fields = ("order", "matter", "depends_on", "condition", "note")
    autocomplete_fields = ("matter",)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "depends_on":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# --- merged form ----------------------------------------------------------------------------


class FormFieldFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        questions = _posted_questions(self.data)
        for form in _live_forms(self):
            data = form.cleaned_data
            key, label = data.get("key"), data.get("label") or ""
            if key in seen:
                form.add_error("key", f"字段标识 {key} 重复")
            seen.add(key)
            if data.get("kind") == ThemeFormField.Kind.CHOICE and not data.get("choices"):
                form.add_error("choices", f"单选字段「{label}」缺少选项")
            _check_condition(form, questions, f"一表字段「{label}」")


class FormFieldInline(admin.TabularInline):
    model = ThemeFormField
    formset = FormFieldFormSet
    extra = 0
    show_change_link = True  # the mappings are edited on the field's own page
    fields = (
        "order",
        "key",
        "label",
        "kind",
        "required",
        "prefill",
        "choices",
        "condition",
        "help_text",
    )


# --- theme ----------------------------------------------------------------------------------


def _savings_html(result: Any) -> str:
    """The other helper's Savings (materials, visits, working days) as three Chinese lines;
    anything else shown as it comes."""
    rows = (
        ("申请材料（份）", "materials"),
        ("跑动次数（次）", "visits"),
        ("办理时限（工作日）", "days"),
    )
    if all(hasattr(result, f"{name}_separate") for _, name in rows):
        lines = []
        for label, name in rows:
            before = getattr(result, f"{name}_separate")
            after = getattr(result, f"{name}_theme")
            saved = before - after
            percent = round(100 * saved / before) if before else 0
            lines.append((label, before, after, saved, percent))
        return format_html(
            "<table><thead><tr><th>项目</th><th>逐项办理</th><th>一件事办理</th><th>节省</th>"
            "</tr></thead><tbody>{}</tbody></table>"
            "<p class='help'>按全部事项测算；办理时限取依赖链最长路径。</p>",
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}（{}%）</td></tr>", lines
            ),
        )
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        result = dataclasses.asdict(result)
    if isinstance(result, Mapping):
        return format_html(
            "<dl>{}</dl>",
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", ((k, v) for k, v in result.items())),
        )
    return format_html("<p>{}</p>", result)


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "audience",
        "category",
        "lead_department",
        "matter_count",
        "status",
    )
    list_filter = ("audience", "category", "status")
    search_fields = ("code", "name", "keywords")
    autocomplete_fields = ("lead_department",)
    readonly_fields = ("dependency_chain", "savings_panel", "updated_at")
    inlines = (QuestionInline, ItemInline, FormFieldInline)
    fieldsets = (
        (
            "基本信息",
            {
                "fields": (
                    ("code", "name"),
                    ("audience", "category"),
                    "lead_department",
                    ("promised_days", "order"),
                    "status",
                    "keywords",
                )
            },
        ),
        ("说明", {"fields": ("summary", "conditions")}),
        ("办理顺序与节省", {"fields": ("dependency_chain", "savings_panel", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Theme]:
        return (
            super()
            .get_queryset(request)
            .select_related("lead_department")
            .annotate(_matter_count=Count("items", distinct=True))
        )

    @admin.display(description="事项数", ordering="_matter_count")
    def matter_count(self, obj: Theme) -> int:
        return getattr(obj, "_matter_count", None) or obj.items.count()

    @admin.display(description="办理顺序（依赖链）")
    def dependency_chain(self, obj: Theme) -> str:
        if obj is None or not obj.pk:
            return "保存后显示"
        items = list(
            obj.items.order_by("order", "id")
            .select_related("matter")
            .prefetch_related("depends_on__matter")
        )
        if not items:
            return "尚未添加事项"
        by_pk = {item.pk: item for item in items}
        graph = {item.pk: [d.pk for d in item.depends_on.all()] for item in items}
        if dependency_cycle(graph):
            return "前置事项存在循环依赖，请检查"

        def describe(item: ThemeMatter) -> str:
            deps = [d.matter.name for d in item.depends_on.all()]
            text = item.matter.name
            if item.condition:
                text += "（按情形办理）"
            if deps:
                text += f"；前置：{'、'.join(deps)}"
            return text

        stages = dependency_stages(graph)
        rows = format_html_join(
            "",
            "<li>第 {} 步：{}</li>",
            (
                (n, "　|　".join(describe(by_pk[pk]) for pk in stage))
                for n, stage in enumerate(stages, start=1)
            ),
        )
        return format_html(
            "<ol class='admin-steps'>{}</ol>"
            "<p class='help'>同一步内的事项并联办理；每一步在其前置事项办结后开始。</p>",
            rows,
        )

    @admin.display(description="节省测算")
    def savings_panel(self, obj: Theme) -> str:
        if obj is None or not obj.pk:
            return "保存后显示"
        if theme_savings is None:
            return "节省测算模块尚未启用"
        try:
            return _savings_html(theme_savings(obj))
        except Exception:  # noqa: BLE001 - a panel must never break the editing page
            return format_html("<span class='errornote'>{}</span>", "节省测算暂不可用")

    def save_model(self, request, obj, form, change) -> None:
        # Remember the content before the save (on the request: admin instances are shared
        # between threads) so an untouched save appends no audit entry.
        if change:
            request._theme_hash_before = content_hash(theme_to_dict(Theme.objects.get(pk=obj.pk)))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        theme = form.instance
        digest = content_hash(theme_to_dict(theme))
        if getattr(request, "_theme_hash_before", None) == digest:
            return
        audit_append(
            action="theme.publish",
            actor=request.user,
            object_type="theme",
            object_id=theme.code,
            data={
                "source": "admin",
                "status": theme.status,
                "matters": theme.items.count(),
                "hash": digest,
            },
        )


# --- form fields and their mappings ---------------------------------------------------------


class MappingFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        field = form.fields["item"]
        theme_id = getattr(self.instance, "theme_id", None)
        field.queryset = (
            ThemeMatter.objects.filter(theme_id=theme_id).select_related("matter")
            if theme_id
            else ThemeMatter.objects.none()
        )
        field.label_from_instance = lambda item: f"{item.matter.name}（{item.matter.code}）"

    def clean(self) -> None:
        super().clean()
        seen: set[int] = set()
        for form in _live_forms(self):
            item = form.cleaned_data.get("item")
            if item is None:
                continue
            if item.theme_id != self.instance.theme_id:
                form.add_error("item", f"事项「{item.matter.name}」不在本主题中")
            if item.pk in seen:
                form.add_error("item", f"对事项「{item.matter.name}」的映射重复")
            seen.add(item.pk)


class FieldMappingInline(admin.TabularInline):
    model = FieldMapping
    formset = MappingFormSet
    extra = 1
    fields = ("item", "target")


class ThemeFormFieldForm(forms.ModelForm):
    class Meta:
        model = ThemeFormField
        fields = (
            "theme", "key", "label", "kind", "required", "order", "prefill", "choices",
            "condition", "help_text",
        )  # fmt: skip

    def clean(self) -> dict:
        data = super().clean()
        theme = data.get("theme")
        label = data.get("label") or ""
        if data.get("kind") == ThemeFormField.Kind.CHOICE and not data.get("choices"):
            self.add_error("choices", f"单选字段「{label}」缺少选项")
        if theme is not None:
            questions = {
                q.code: (q.text, question_values(q.kind, q.choices or []))
                for q in theme.questions.all()
            }
            _check_condition(self, questions, f"一表字段「{label}」")
        return data


@admin.register(ThemeFormField)
class ThemeFormFieldAdmin(admin.ModelAdmin):
    form = ThemeFormFieldForm
    list_display = ("label", "key", "theme", "kind", "required", "prefill", "mapping_count")
    list_filter = ("theme", "kind", "required")
    search_fields = ("key", "label", "theme__name")
    list_select_related = ("theme",)
    autocomplete_fields = ("theme",)
    inlines = (FieldMappingInline,)
    fields = (
        "theme",
        ("key", "label"),
        ("kind", "required", "order"),
        "prefill",
        "choices",
        "condition",
        "help_text",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ThemeFormField]:
        return super().get_queryset(request).annotate(_mappings=Count("mappings"))

    @admin.display(description="映射事项数", ordering="_mappings")
    def mapping_count(self, obj: ThemeFormField) -> int:
        return getattr(obj, "_mappings", 0)
