"""Admin for the subject registries. The plain ID number or phone never appears in a list or
a form: lists and change pages show masked values, and a new person is registered through
`person_register` (validation, encryption, blind index, audit)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from yishi.core.crypto import mask, mask_phone
from yishi.core.errors import ValidationFailed
from yishi.core.validators import validate_mobile, validate_ric, validate_uscc
from yishi.people import services
from yishi.people.models import ApplicantAccount, Company, CompanyAgent, Person
from yishi.people.queries import company_by_uscc, person_by_id_number


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


class CompanyAddForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = ["name", "uscc", "legal_representative", "address"]

    def clean_uscc(self) -> str:
        try:
            code = validate_uscc(self.cleaned_data["uscc"]).code
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from None
        if company_by_uscc(code) is not None:
            raise forms.ValidationError("该统一社会信用代码已登记")
        return code


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "legal_representative", "size_class", "status", "created_at"]
    list_filter = ["status", "size_class", "tax_credit_grade", "key_project"]
    search_fields = ["name", "=uscc", "legal_representative"]
    ordering = ["-id"]
    list_per_page = 50

    def get_readonly_fields(self, request: HttpRequest, obj: Company | None = None) -> list[str]:
        return [] if obj is None else ["uscc", "region_code", "created_at"]

    def get_form(
        self, request: HttpRequest, obj: Company | None = None, change: bool = False, **kwargs
    ):
        if obj is None:
            kwargs["form"] = CompanyAddForm
            kwargs["fields"] = CompanyAddForm.Meta.fields
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Company, form: forms.ModelForm, change: bool):
        if change:
            services.registry_record_changed(obj, fields=form.changed_data, actor=request.user)
            return
        company = services.company_register(
            name=form.cleaned_data["name"],
            uscc=form.cleaned_data["uscc"],
            legal_representative=form.cleaned_data.get("legal_representative", ""),
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


@admin.register(CompanyAgent)
class CompanyAgentAdmin(admin.ModelAdmin):
    list_display = [
        "company",
        "person",
        "role",
        "authorised_until",
        "verified_at",
        "revoked_at",
    ]
    list_filter = ["role", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["company__name", "=company__uscc", "person__name"]
    ordering = ["-id"]
    list_select_related = ["company", "person"]
    # Only the registry's confirmation is edited here; the rest goes through the services.
    readonly_fields = [
        "company",
        "person",
        "role",
        "authorised_until",
        "note",
        "created_at",
        "revoked_at",
    ]
    fields = [
        "company",
        "person",
        "role",
        "authorised_until",
        "note",
        "verified_at",
        "created_at",
        "revoked_at",
    ]
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
