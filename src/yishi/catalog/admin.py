"""Back-office for the catalog: regions, departments, topics, matters (elements grouped as on a
service guide, materials inline), versions (read-only), staff accounts with their roles, and the
Excel import/export. Saving a matter publishes a new version only when its content changed."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from yishi.catalog.commitments import check_commitment_limit, commitment_matters
from yishi.catalog.consistency import differing_ids, element_differences, five_level_report
from yishi.catalog.excel import export_catalog, import_catalog
from yishi.catalog.models import (
    Department,
    Material,
    Matter,
    MatterVersion,
    Region,
    StaffProfile,
    Topic,
)
from yishi.catalog.services import (
    matter_has_changes,
    matter_publish,
    matter_publish_if_changed,
    matter_withdraw,
    normalise_text,
)
from yishi.core.display import applicant_person, user_masked_name, user_real_name
from yishi.core.errors import ValidationFailed
from yishi.core.roles import role_labels

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "indented_name", "level", "parent")
    list_display_links = ("code", "indented_name")
    list_filter = ("level",)
    search_fields = ("code", "name")
    ordering = ("code",)
    autocomplete_fields = ("parent",)
    list_per_page = 200

    @admin.display(description="名称", ordering="name")
    def indented_name(self, obj: Region) -> str:
        # Codes are hierarchical, so ordering by code and indenting by level draws the tree.
        return "\u3000" * (obj.level - 1) + ("└ " if obj.level > 1 else "") + obj.name


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "short_name", "kind", "region", "phone")
    list_filter = ("kind", "region")
    search_fields = ("code", "name", "short_name")
    autocomplete_fields = ("region", "parent")


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "audience", "order")
    list_filter = ("audience",)
    search_fields = ("code", "name")


# --- matters --------------------------------------------------------------------------------


def _normalise_texts(cleaned_data: dict) -> dict:
    for name, value in cleaned_data.items():
        if isinstance(value, str):
            cleaned_data[name] = normalise_text(value)
    return cleaned_data


class MaterialForm(forms.ModelForm):
    def clean(self) -> dict:
        return _normalise_texts(super().clean())


class MaterialFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE"):
                continue
            name = form.cleaned_data.get("name")
            if name in seen:
                form.add_error("name", f"申请材料「{name}」重复")
            seen.add(name)
        self._check_commitment_limit()

    def _check_commitment_limit(self) -> None:
        """Flagging a matter that is not yet on the 承诺办 list must stay within its limit."""
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            flag = next((f for f in ("deferrable", "by_commitment") if data.get(f)), None)
            if flag is None:
                continue
            try:
                check_commitment_limit(matter_pk=self.instance.pk)
            except ValidationFailed as exc:
                form.add_error(flag, exc.message)
            return


class MaterialInline(admin.TabularInline):
    model = Material
    form = MaterialForm
    formset = MaterialFormSet
    extra = 1
    ordering = ("order", "id")
    fields = (
        "order",
        "name",
        "kind",
        "required",
        "form",
        "copies",
        "spec",
        "source",
        "licence_type",
        "deferrable",
        "by_commitment",
        "defer_days",
        "note",
        "blank_form",
        "sample",
    )
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 24})}
    }


class MatterAdminForm(forms.ModelForm):
    class Meta:
        model = Matter
        fields = "__all__"  # noqa: DJ007 - every element is edited here

    def clean(self) -> dict:
        data = _normalise_texts(super().clean())
        legal, promised = data.get("legal_limit_days"), data.get("promised_limit_days")
        if legal is not None and promised is not None and promised > legal:
            self.add_error("promised_limit_days", "承诺办结时限不得超过法定办结时限")
        if data.get("handling") == Matter.Handling.INSTANT and promised:
            self.add_error("promised_limit_days", "即办件的承诺办结时限应为 0")
        base, level = data.get("base"), data.get("level")
        if base is not None:
            if self.instance.pk and base.pk == self.instance.pk:
                self.add_error("base", "上级层级事项不能是事项本身")
            elif level is not None and base.level >= level:
                self.add_error("base", f"上级层级事项 {base.code} 的层级应高于本事项的行使层级")
        return data


class FiveLevelFilter(admin.SimpleListFilter):
    title = "五级同"
    parameter_name = "five_level"

    def lookups(self, request, model_admin):
        return [("diff", "存在差异"), ("same", "与上级层级一致")]

    def queryset(self, request, queryset):
        if self.value() == "diff":
            return queryset.filter(pk__in=differing_ids(queryset))
        if self.value() == "same":
            return queryset.filter(base__isnull=False).exclude(pk__in=differing_ids(queryset))
        return queryset


class CommitmentFilter(admin.SimpleListFilter):
    title = "可承诺办"
    parameter_name = "commitment"

    def lookups(self, request, model_admin):
        return [("yes", "可告知承诺/容缺受理"), ("no", "不可承诺办"), ("excluded", "依法不适用")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=commitment_matters().values("pk"))
        if self.value() == "no":
            return queryset.exclude(pk__in=commitment_matters().values("pk"))
        if self.value() == "excluded":
            return queryset.exclude(commitment_exclusion="")
        return queryset


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件(.xlsx)")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("文件不能超过 20 MB")
        return upload


@admin.register(Matter)
class MatterAdmin(admin.ModelAdmin):
    form = MatterAdminForm
    inlines = [MaterialInline]
    list_display = (
        "code",
        "name",
        "department",
        "level",
        "matter_type",
        "status",
        "version",
        "mobile",
        "commitment_listed",
        "supervised",
    )
    list_filter = (
        "status",
        "matter_type",
        "level",
        "department",
        "online_depth",
        "mobile",
        "cross_region",
        "outlet_scope",
        "topics",
        CommitmentFilter,
        "supervised",
        FiveLevelFilter,
    )
    search_fields = ("code", "name", "keywords")
    filter_horizontal = ("topics",)
    autocomplete_fields = ("region", "department", "base", "supervising_department")
    readonly_fields = ("status", "version", "versions_link", "five_level_differences")
    list_select_related = ("department",)
    actions = ("publish_selected", "withdraw_selected")
    fieldsets = (
        (
            "基本信息",
            {
                "fields": (
                    ("code", "basic_code"),
                    ("name", "short_name"),
                    ("matter_type", "level"),
                    ("region", "department"),
                    "audience",
                    "topics",
                    "keywords",
                    ("status", "version", "versions_link"),
                )
            },
        ),
        ("设定依据与受理条件", {"fields": ("legal_basis", "conditions", "process")}),
        ("办理时限", {"fields": ("handling", "legal_limit_days", "promised_limit_days")}),
        ("收费", {"fields": ("fee_required", "fee_standard", "fee_basis")}),
        ("办理结果", {"fields": ("result_name", "result_type", "result_delivery")}),
        ("办理地点与咨询", {"fields": ("place", "hours", "consult_phone", "complaint_phone")}),
        (
            "网办与通办",
            {"fields": ("online_depth", "visits", "mobile", "cross_region", "outlet_scope")},
        ),
        (
            "告知承诺与容缺受理",
            {
                "fields": ("commitment_exclusion", "commitment_defer_days", "commitment_text"),
                "description": "在下方“申请材料”中勾选“容缺后补”或“可告知承诺替代”，"
                "事项即纳入可承诺办清单（上限见系统设置，湖北省目标为 200 项）。",
            },
        ),
        ("审管衔接", {"fields": ("supervised", "supervising_department", "supervision_days")}),
        ("五级同", {"fields": ("base", "five_level_differences")}),
    )

    @admin.display(description="版本记录")
    def versions_link(self, obj: Matter) -> str:
        if not obj.pk:
            return "保存后发布第 1 版"
        url = reverse("admin:catalog_matterversion_changelist") + f"?matter__id__exact={obj.pk}"
        return format_html('<a href="{}">查看全部 {} 个版本</a>', url, obj.versions.count())

    @admin.display(description="与上级层级差异(五级同)")
    def five_level_differences(self, obj: Matter) -> str:
        if not obj.pk or obj.base_id is None:
            return "未挂接上级层级事项"
        differences = element_differences(obj)
        if not differences:
            return mark_safe('<span class="five-level-same">与上级层级一致</span>')  # noqa: S308
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", differences)
        return format_html(
            '<table class="five-level-diff"><thead><tr><th>要素</th><th>本级</th>'
            "<th>上级层级（{}）</th></tr></thead><tbody>{}</tbody></table>",
            obj.base.region.name,
            rows,
        )

    @admin.display(description="可承诺办", boolean=True, ordering="_commitment_listed")
    def commitment_listed(self, obj: Matter) -> bool:
        listed = getattr(obj, "_commitment_listed", None)
        return obj.commitment_enabled if listed is None else listed

    def get_queryset(self, request: HttpRequest) -> QuerySet[Matter]:
        flagged = Material.objects.filter(
            Q(deferrable=True) | Q(by_commitment=True), matter=OuterRef("pk")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("department", "region", "base")
            .annotate(_commitment_listed=Exists(flagged))
        )

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # Materials and topics are saved now, so the content hash covers everything.
        version = matter_publish_if_changed(matter=form.instance, actor=request.user)
        if version is None:
            self.message_user(request, "内容未变化，未生成新版本", messages.INFO)
        else:
            form.instance.version = version.number
            self.message_user(request, f"已发布第 {version.number} 版", messages.SUCCESS)

    @admin.action(description="发布所选事项(内容有变化或未发布时)", permissions=["change"])
    def publish_selected(self, request, queryset) -> None:
        published = 0
        for matter in queryset:
            if matter.status != Matter.Status.PUBLISHED or matter_has_changes(matter):
                matter_publish(matter=matter, actor=request.user)
                published += 1
        self.message_user(request, f"已发布 {published} 个事项", messages.SUCCESS)

    @admin.action(description="停用所选事项", permissions=["change"])
    def withdraw_selected(self, request, queryset) -> None:
        for matter in queryset:
            matter_withdraw(matter=matter, actor=request.user)
        self.message_user(request, f"已停用 {queryset.count()} 个事项", messages.SUCCESS)

    # --- Excel ---

    def get_urls(self):
        own = [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="catalog_matter_export",
            ),
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="catalog_matter_import",
            ),
            path(
                "five-level/",
                self.admin_site.admin_view(self.five_level_view),
                name="catalog_matter_five_level",
            ),
        ]
        return own + super().get_urls()

    def five_level_view(self, request: HttpRequest) -> HttpResponse:
        """五级同比对报告: every difference of every compared element, level by level."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "五级同比对报告",
            "report": five_level_report(),
        }
        return TemplateResponse(request, "admin/catalog/matter/five_level.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The whole catalog, or the changelist's current filter and search, as xlsx."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            queryset = self.get_changelist_instance(request).queryset
        except IncorrectLookupParameters:  # a stale filter in the link: export everything
            queryset = self.get_queryset(request)
        content = export_catalog(queryset)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content, content_type=XLSX_TYPE)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"政务服务事项目录-{stamp}.xlsx"
        )
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        report = None
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                report = import_catalog(form.cleaned_data["file"], actor=request.user)
                if report.ok:
                    self.message_user(request, report.summary(), messages.SUCCESS)
                else:
                    self.message_user(request, report.summary(), messages.ERROR)
        else:
            form = ImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "导入 Excel",
            "form": form,
            "report": report,
        }
        return TemplateResponse(request, "admin/catalog/matter/import.html", context)


@admin.register(MatterVersion)
class MatterVersionAdmin(admin.ModelAdmin):
    list_display = ("matter", "number", "published_at", "published_by", "content_hash")
    list_filter = ("published_at",)
    search_fields = ("matter__code", "matter__name")
    list_select_related = ("matter", "published_by")
    fields = ("matter", "number", "published_at", "published_by", "content_hash", "snapshot_pretty")
    readonly_fields = fields

    @admin.display(description="要素快照")
    def snapshot_pretty(self, obj: MatterVersion) -> str:
        text = json.dumps(obj.snapshot, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html('<pre class="admin-pre">{}</pre>', text)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- staff ----------------------------------------------------------------------------------


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    max_num = 1
    fk_name = "user"
    autocomplete_fields = ("department",)
    fields = ("department", "service_centre", "phone")


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [StaffProfileInline]
    # An applicant's login name is a blind index ("m-…"): accounts are listed by name, an
    # applicant's masked (王**).
    list_display = ("account_name", "email", "is_staff", "staff_roles", "staff_department")
    list_display_links = ("account_name",)
    list_select_related = ("staff_profile__department", "applicant__person")

    @admin.display(description="账号", ordering="username")
    def account_name(self, obj) -> str:
        if applicant_person(obj) is not None:
            return self.object_label(obj)
        return f"{user_real_name(obj) or obj.get_username()}（{obj.get_username()}）"

    @staticmethod
    def object_label(obj) -> str:
        """How the admin names the account where Django would use `str(user)` (titles,
        breadcrumbs, row checkboxes): an applicant by masked name, staff by login name."""
        if applicant_person(obj) is not None:
            return f"{user_masked_name(obj)}（申请人）"
        return obj.get_username()

    def action_checkbox(self, obj):
        # Django's, labelled by object_label instead of str(obj).
        attrs = {
            "class": "action-select",
            "aria-label": format_html(
                gettext("Select this object for an action - {}"), self.object_label(obj)
            ),
        }
        checkbox = forms.CheckboxInput(attrs, lambda value: False)
        return checkbox.render(ACTION_CHECKBOX_NAME, str(obj.pk))

    def _named(self, response: HttpResponse) -> HttpResponse:
        """An applicant's page titled by masked name: Django puts `str(user)` (the login name)
        into the title and subtitle; the templates under admin/auth/user/ read `object_label`
        for the breadcrumb."""
        context = getattr(response, "context_data", None)  # None on a redirect
        user = (context.get("original") or context.get("object")) if context else None
        if user is None:
            return response
        login, label = user.get_username(), self.object_label(user)
        context["object_label"] = label
        if label != login:
            for key in ("title", "subtitle"):
                if context.get(key):
                    context[key] = str(context[key]).replace(login, label)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._named(super().change_view(request, object_id, form_url, extra_context))

    def history_view(self, request, object_id, extra_context=None):
        return self._named(super().history_view(request, object_id, extra_context))

    def delete_view(self, request, object_id, extra_context=None):
        return self._named(super().delete_view(request, object_id, extra_context))

    def user_change_password(self, request, id, form_url=""):  # `id`: the URL keyword
        return self._named(super().user_change_password(request, id, form_url))

    @admin.display(description="角色")
    def staff_roles(self, obj) -> str:
        return "、".join(role_labels(obj)) or "-"

    @admin.display(description="所属部门", ordering="staff_profile__department__name")
    def staff_department(self, obj) -> str:
        profile = getattr(obj, "staff_profile", None)
        return str(profile.department) if profile else "-"


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "full_name", "roles", "department", "service_centre", "phone")
    list_filter = ("user__groups", "department", "service_centre")
    search_fields = ("user__username", "user__first_name", "user__last_name", "department__name")
    autocomplete_fields = ("user", "department")
    list_select_related = ("user", "department", "service_centre")

    @admin.display(description="角色（通过用户组授予）")
    def roles(self, obj: StaffProfile) -> str:
        return "、".join(role_labels(obj.user)) or "-"

    @admin.display(description="姓名")
    def full_name(self, obj: StaffProfile) -> str:
        return obj.user.get_full_name() or "-"
