"""Back office of 电子证照: licence types are edited here; seals and licences are read-only
(every change goes through yishi.licences.services: audited and signed), with actions for
seal rotation and an xlsx import of staff-verified licences (trust level B)."""

from __future__ import annotations

import base64

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html

from yishi.core.admin_lists import CappedCountPaginator
from yishi.core.crypto import mask
from yishi.core.errors import DomainError
from yishi.licences import services
from yishi.licences.instant import instant_rule_save, validate_points, validate_shared
from yishi.licences.models import InstantRule, Licence, LicenceType, Seal


class LicenceTypeForm(forms.ModelForm):
    class Meta:
        model = LicenceType
        fields = (
            "code",
            "name",
            "names",
            "material_kind",
            "holder_kind",
            "fields",
            "validity_years",
            "issuing_matters",
            "matter_basic_codes",
        )

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip().upper()
        if not services.licence_type_code_valid(code):
            raise forms.ValidationError("证照类型代码须为 2—20 位大写字母或数字")
        return code

    def clean_fields(self):  # noqa: D401 - the JSON field named "fields"
        value = self.cleaned_data.get("fields") or []
        if not isinstance(value, list) or not all(
            isinstance(f, dict) and isinstance(f.get("key"), str) and f.get("key") for f in value
        ):
            raise forms.ValidationError(
                '照面信息项须为 [{"key": "…", "label": "…", "kind": "text"}] 列表'
            )
        return value


@admin.register(LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin):
    form = LicenceTypeForm
    list_display = ("code", "name", "holder_kind", "validity_years", "material_kind")
    search_fields = ("code", "name")
    filter_horizontal = ("issuing_matters",)


@admin.register(Seal)
class SealAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "key_id", "active", "rotated_at")
    list_filter = ("active",)
    search_fields = ("name", "department__name", "department__code")
    readonly_fields = (
        "department",
        "name",
        "preview",
        "key_id",
        "active",
        "created_at",
        "rotated_at",
    )
    exclude = ("image_png",)
    actions = ("rotate",)

    @admin.display(description="印章图像")
    def preview(self, obj: Seal) -> str:
        data = base64.b64encode(bytes(obj.image_png or b"")).decode("ascii")
        return format_html('<img src="data:image/png;base64,{}" width="160" alt="印章">', data)

    @admin.action(description="轮换所选印章的签名密钥（旧证照仍可核验）")
    def rotate(self, request: HttpRequest, queryset) -> None:
        for seal in queryset.select_related("department"):
            services.seal_rotate(department=seal.department, actor=request.user)
        messages.success(request, f"已轮换 {queryset.count()} 枚印章的密钥。")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class XlsxImportForm(forms.Form):
    file = forms.FileField(label="xlsx 文件", help_text="第一行为表头，见下方说明")


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "type",
        "holder_name",
        "issuer",
        "issued_on",
        "valid_until",
        "status",
        "source",
        "trust_level",
    )
    list_filter = ("status", "source", "trust_level", "type")
    search_fields = ("number", "issuer__name")
    # Grows with history: a capped count and no date hierarchy (yishi.core.admin_lists).
    paginator = CappedCountPaginator
    show_full_result_count = False
    list_select_related = ("type", "issuer", "person", "company")
    # An unregistered holder's ID number is shown masked only, like the registry's.
    exclude = ("subject_id_number",)
    readonly_fields = [
        *(f.name for f in Licence._meta.fields if f.name != "subject_id_number"),
        "subject_id_masked",
    ]
    change_list_template = "licences/admin_change_list.html"

    @admin.display(description="持证主体")
    def holder_name(self, obj: Licence) -> str:
        return obj.holder_name

    @admin.display(description="持证人公民身份号码(未登记)")
    def subject_id_masked(self, obj: Licence) -> str:
        return mask(str(obj.subject_id_number)) if obj.subject_id_number else "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        custom = [
            path(
                "import-xlsx/",
                self.admin_site.admin_view(self.import_xlsx),
                name="licences_licence_import_xlsx",
            )
        ]
        return custom + super().get_urls()

    def import_xlsx(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("licences.change_licence"):
            messages.error(request, "无权导入电子证照")
            return redirect("admin:licences_licence_changelist")
        form = XlsxImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                report = services.licences_import_xlsx(
                    form.cleaned_data["file"], actor=request.user
                )
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                if report.imported:
                    messages.success(
                        request, f"已导入 {len(report.imported)} 张证照（可信等级B）。"
                    )
                for line in report.errors[:50]:
                    messages.error(request, line)
                return redirect("admin:licences_licence_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "columns": list(services.XLSX_COLUMNS),
            "title": "导入电子证照（xlsx）",
        }
        return TemplateResponse(request, "licences/admin_import.html", context)


class InstantRuleForm(forms.ModelForm):
    class Meta:
        model = InstantRule
        fields = ("matter", "enabled", "points", "shared_materials")

    def clean_points(self):
        try:
            return validate_points(self.cleaned_data.get("points"))
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_shared_materials(self):
        try:
            return validate_shared(self.cleaned_data.get("shared_materials"))
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


@admin.register(InstantRule)
class InstantRuleAdmin(admin.ModelAdmin):
    """秒批秒办 rules: saved through the service, so each change is versioned and audited and
    the matter's flag follows."""

    form = InstantRuleForm
    list_display = ("matter", "enabled", "version", "updated_at")
    list_filter = ("enabled",)
    search_fields = ("matter__name", "matter__code")
    autocomplete_fields = ("matter",)
    readonly_fields = ("version", "updated_at")

    def save_model(self, request, obj, form, change) -> None:
        saved = instant_rule_save(
            matter=obj.matter,
            points=obj.points,
            shared_materials=obj.shared_materials,
            enabled=obj.enabled,
            actor=request.user,
        )
        obj.pk, obj.version = saved.pk, saved.version

    def delete_model(self, request, obj) -> None:
        instant_rule_save(
            matter=obj.matter,
            points=obj.points,
            shared_materials=obj.shared_materials,
            enabled=False,
            actor=request.user,
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.delete_model(request, obj)
