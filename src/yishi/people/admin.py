"""Admin for the subject registries. The plain ID number or phone never appears in a list or
a form: lists and change pages show masked values, and a new person is registered through
`person_register` (validation, encryption, blind index, audit). Every page that shows a
person's or a company's registry data records the read (purpose 后台维护), which the person
sees on 谁查看了我的信息; those records are read-only here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from yishi.core.crypto import mask, mask_phone
from yishi.core.errors import ValidationFailed
from yishi.core.fields import EncryptedTextField, blind_index
from yishi.core.roles import role_labels
from yishi.core.validators import validate_mobile, validate_ric, validate_uscc
from yishi.people import services
from yishi.people.access_log import (
    ADMIN_PURPOSE,
    STAFF_LABEL,
    registry_access_record,
    registry_access_record_many,
)
from yishi.people.models import ApplicantAccount, Company, CompanyAgent, Person, RegistryAccess
from yishi.people.queries import (
    company_by_uscc,
    person_by_id_number,
    registry_field_label,
)


def _copy_into(target: Any, source: Any) -> None:
    """Make the admin's unsaved instance the row a service created (for redirects and log)."""
    for field in type(source)._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db


class PersonAddForm(forms.ModelForm):
    id_number = forms.CharField(label="居民身份证号", max_length=30)
    phone = forms.CharField(label="手机号码", max_length=20, required=False)

    class Meta:
        model = Person
        fields = ["name", "id_number", "phone"]

    def clean_id_number(self) -> str:
        try:
            number = validate_ric(self.cleaned_data["id_number"]).number
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from None
        if person_by_id_number(number) is not None:
            raise forms.ValidationError("该居民身份证号已登记")
        return number

    def clean_phone(self) -> str:
        value = (self.cleaned_data.get("phone") or "").strip()
        if not value:
            return ""
        try:
            return validate_mobile(value).number
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from None


# The registry data benefits and the green channel depend on (免申即享, 绿色通道).
PERSON_REGISTRY_FIELDS = [
    "deceased_on",
    "low_income_household",
    "disability_type",
    "disability_grade",
    "needs_long_term_care",
    "employment_status",
    "unemployment_registered",
    "unemployment_insured_months",
    "left_job_involuntarily",
    "pension_status",
]


# What the person list and change page show unmasked (ID number and phone are masked).
PERSON_LIST_FIELDS = ["name", "sex", "birth_date", "region_code"]
PERSON_PAGE_FIELDS = ["name", "birth_date", "sex", "region_code", *PERSON_REGISTRY_FIELDS]


def _admin_role(request: HttpRequest) -> str:
    return (role_labels(request.user) or [STAFF_LABEL])[0]


def _shown(response: HttpResponse, key: str) -> Any:
    """The object or change list a 200 admin page renders (None for redirects and errors)."""
    if response.status_code != 200:
        return None
    return (getattr(response, "context_data", None) or {}).get(key)


def _company_page_fields() -> list[str]:
    """What the company change page shows unmasked: its own columns, less the key, the
    timestamps, blind indexes and encrypted values (which are shown masked)."""
    return [
        f.name
        for f in Company._meta.concrete_fields
        if f.editable
        and not f.primary_key
        and not isinstance(f, EncryptedTextField)
        and not f.name.endswith("_index")
    ]


def _record_admin_read(
    request: HttpRequest, *, fields: list[str], person=None, company=None
) -> None:
    registry_access_record(
        reader=request.user,
        role=_admin_role(request),
        person=person,
        company=company,
        fields=fields,
        purpose=ADMIN_PURPOSE,
        channel=RegistryAccess.Channel.ADMIN,
    )


class PersonChangeForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["name", *PERSON_REGISTRY_FIELDS]

    def clean(self):
        data = super().clean()
        if data.get("disability_grade") and not data.get("disability_type"):
            self.add_error("disability_type", "填写残疾等级时须同时选择残疾类别")
        return data


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "masked_id_number",
        "sex",
        "birth_date",
        "region_code",
        "masked_phone",
        "created_at",
    ]
    list_filter = ["sex", "disability_type", "low_income_household", "employment_status"]
    search_fields = ["name"]
    search_help_text = "按姓名查找；输入完整的居民身份证号可精确查找"
    ordering = ["-id"]
    list_per_page = 50
    readonly_change = [
        "masked_id_number",
        "masked_phone",
        "birth_date",
        "sex",
        "region_code",
        "created_at",
    ]

    @admin.display(description="居民身份证号")
    def masked_id_number(self, obj: Person) -> str:
        return mask(obj.id_number)

    @admin.display(description="手机号码")
    def masked_phone(self, obj: Person) -> str:
        return mask_phone(obj.phone)

    def get_fields(self, request: HttpRequest, obj: Person | None = None) -> list[str]:
        if obj is None:
            return ["name", "id_number", "phone"]
        return ["name", *self.readonly_change, *PERSON_REGISTRY_FIELDS]

    def get_readonly_fields(self, request: HttpRequest, obj: Person | None = None) -> list[str]:
        return [] if obj is None else list(self.readonly_change)

    def get_form(
        self, request: HttpRequest, obj: Person | None = None, change: bool = False, **kwargs
    ):
        kwargs["form"] = PersonAddForm if obj is None else PersonChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Person, form: forms.ModelForm, change: bool):
        if change:
            services.registry_record_changed(
                obj, fields=["name", *form.changed_data], actor=request.user
            )
            return
        person = services.person_register(
            name=form.cleaned_data["name"],
            id_number=form.cleaned_data["id_number"],
            phone=form.cleaned_data.get("phone", ""),
            actor=request.user,
        )
        _copy_into(obj, person)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ):
        response = super().change_view(request, object_id, form_url, extra_context)
        person = _shown(response, "original")
        if isinstance(person, Person):
            _record_admin_read(request, person=person, fields=PERSON_PAGE_FIELDS)
        return response

    def changelist_view(self, request: HttpRequest, extra_context=None):
        """A list page is a read of every person on it: of the columns shown and of the
        registry fields it is filtered by (a list filtered by 残疾类别 tells each one's)."""
        response = super().changelist_view(request, extra_context)
        changelist = _shown(response, "cl")
        if changelist is not None:
            filtered = {key.split("__")[0] for key in request.GET}
            fields = PERSON_LIST_FIELDS + [f for f in PERSON_REGISTRY_FIELDS if f in filtered]
            registry_access_record_many(
                reader=request.user,
                role=_admin_role(request),
                persons=list(changelist.result_list),
                fields=fields,
                purpose=ADMIN_PURPOSE,
                channel=RegistryAccess.Channel.ADMIN,
            )
        return response

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Person], search_term: str
    ) -> tuple[QuerySet[Person], bool]:
        # A full ID number is found through the blind index, never by scanning plain text.
        try:
            number = validate_ric(search_term).number
        except ValidationFailed:
            return super().get_search_results(request, queryset, search_term)
        person = person_by_id_number(number)
        return queryset.filter(pk=person.pk if person else None), False


def _clean_rep_id(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return validate_ric(value).number
    except ValidationFailed as exc:
        raise forms.ValidationError(exc.message) from None


class CompanyAddForm(forms.ModelForm):
    legal_representative_id_number = forms.CharField(
        label="法定代表人身份证号",
        max_length=30,
        required=False,
        help_text="申请人声明为法定代表人时据此比对核验",
    )

    class Meta:
        model = Company
        fields = [
            "name",
            "uscc",
            "legal_representative",
            "legal_representative_id_number",
            "address",
        ]

    def clean_legal_representative_id_number(self) -> str:
        return _clean_rep_id(self.cleaned_data.get("legal_representative_id_number", ""))

    def clean_uscc(self) -> str:
        try:
            code = validate_uscc(self.cleaned_data["uscc"]).code
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from None
        if company_by_uscc(code) is not None:
            raise forms.ValidationError("该统一社会信用代码已登记")
        return code


class CompanyChangeForm(forms.ModelForm):
    """The stored ID number is never shown; a new one may be entered to replace it."""

    new_legal_representative_id_number = forms.CharField(
        label="更换法定代表人身份证号",
        max_length=30,
        required=False,
        help_text="留空则不变；法定代表人变更时填写新法定代表人的居民身份证号",
    )

    class Meta:
        model = Company
        fields = [
            "name",
            "legal_representative",
            "address",
            "industry_code",
            "size_class",
            "registration_date",
            "employees",
            "paid_in_capital",
            "tax_credit_grade",
            "status",
            "key_project",
        ]

    def clean_new_legal_representative_id_number(self) -> str:
        return _clean_rep_id(self.cleaned_data.get("new_legal_representative_id_number", ""))


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "legal_representative", "size_class", "status", "created_at"]
    list_filter = ["status", "size_class", "tax_credit_grade", "key_project"]
    search_fields = ["name", "=uscc", "legal_representative"]
    ordering = ["-id"]
    list_per_page = 50

    def get_readonly_fields(self, request: HttpRequest, obj: Company | None = None) -> list[str]:
        if obj is None:
            return []
        return ["uscc", "masked_rep_id_number", "region_code", "created_at"]

    @admin.display(description="法定代表人身份证号")
    def masked_rep_id_number(self, obj: Company) -> str:
        return mask(obj.legal_representative_id_number) or "（未登记）"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ):
        response = super().change_view(request, object_id, form_url, extra_context)
        company = _shown(response, "original")
        if isinstance(company, Company):
            _record_admin_read(request, company=company, fields=_company_page_fields())
        return response

    def get_form(
        self, request: HttpRequest, obj: Company | None = None, change: bool = False, **kwargs
    ):
        if obj is None:
            kwargs["form"] = CompanyAddForm
            kwargs["fields"] = CompanyAddForm.Meta.fields
        else:
            kwargs["form"] = CompanyChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Company, form: forms.ModelForm, change: bool):
        if change:
            fields = [f for f in form.changed_data if f != "new_legal_representative_id_number"]
            rep_id = form.cleaned_data.get("new_legal_representative_id_number")
            if rep_id:
                obj.legal_representative_id_number = rep_id
                obj.legal_representative_id_number_index = blind_index(rep_id)
                fields += ["legal_representative_id_number", "legal_representative_id_number_index"]
            services.registry_record_changed(obj, fields=fields, actor=request.user)
            return
        company = services.company_register(
            name=form.cleaned_data["name"],
            uscc=form.cleaned_data["uscc"],
            legal_representative=form.cleaned_data.get("legal_representative", ""),
            legal_representative_id_number=form.cleaned_data.get(
                "legal_representative_id_number", ""
            ),
            address=form.cleaned_data.get("address", ""),
            actor=request.user,
        )
        _copy_into(obj, company)


@admin.register(ApplicantAccount)
class ApplicantAccountAdmin(admin.ModelAdmin):
    """Accounts are created by registration or single sign-on, never by hand here."""

    list_display = ["person", "masked_id_number", "masked_phone", "source", "verified_at"]
    list_filter = ["source"]
    search_fields = ["person__name"]
    ordering = ["-id"]
    list_select_related = ["person"]
    fields = ["person", "masked_id_number", "masked_phone", "source", "verified_at", "created_at"]
    readonly_fields = fields

    @admin.display(description="居民身份证号")
    def masked_id_number(self, obj: ApplicantAccount) -> str:
        return mask(obj.person.id_number)

    @admin.display(description="手机号码")
    def masked_phone(self, obj: ApplicantAccount) -> str:
        return mask_phone(obj.phone)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ):
        response = super().change_view(request, object_id, form_url, extra_context)
        account = _shown(response, "original")
        if isinstance(account, ApplicantAccount):
            _record_admin_read(request, person=account.person, fields=["name"])
        return response


@admin.register(CompanyAgent)
class CompanyAgentAdmin(admin.ModelAdmin):
    list_display = [
        "company",
        "person",
        "role",
        "authorised_until",
        "verified_at",
        "verification",
        "revoked_at",
    ]
    list_filter = ["role", "verification", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["company__name", "=company__uscc", "person__name"]
    ordering = ["-id"]
    list_select_related = ["company", "person"]
    # Read only: a claim is verified by the registry or at the window (workbench), through
    # the services, so that each step is audited.
    fields = [
        "company",
        "person",
        "role",
        "scopes",
        "authorised_until",
        "note",
        "verified_at",
        "verification",
        "verified_by",
        "created_at",
        "revoked_at",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="撤销所选授权")
    def revoke(self, request: HttpRequest, queryset: QuerySet[CompanyAgent]) -> None:
        done = 0
        for agent in queryset.filter(revoked_at__isnull=True):
            services.agent_revoke(agent=agent, actor=request.user)
            done += 1
        self.message_user(request, f"已撤销 {done} 项授权")


@admin.register(RegistryAccess)
class RegistryAccessAdmin(admin.ModelAdmin):
    """Read-only: a record of a read is never edited or removed from here."""

    list_display = [
        "at",
        "reader",
        "reader_department",
        "reader_role",
        "subject",
        "channel",
        "field_labels",
        "purpose",
    ]
    list_filter = ["channel", ("at", admin.DateFieldListFilter)]
    search_fields = ["reader__username", "reader_department", "person__name", "=company__uscc"]
    date_hierarchy = "at"
    ordering = ["-at", "-id"]
    list_per_page = 50
    list_select_related = ["reader", "person", "company"]
    show_full_result_count = False
    fields = [
        "at",
        "reader",
        "reader_name",
        "reader_department",
        "reader_role",
        "person",
        "company",
        "channel",
        "field_labels",
        "purpose",
    ]
    readonly_fields = fields

    @admin.display(description="被查看主体")
    def subject(self, obj: RegistryAccess) -> str:
        return str(obj.person or obj.company or "")

    @admin.display(description="查看的字段")
    def field_labels(self, obj: RegistryAccess) -> str:
        company = obj.company_id is not None
        return "、".join(registry_field_label(name, company=company) for name in obj.fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: RegistryAccess | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: RegistryAccess | None = None
    ) -> bool:
        return False


# ---- 掌上办: system API keys (issue 19), in their own module.
from yishi.people import admin_tokens  # noqa: E402, F401
