from django import forms
from django.contrib import admin, messages

from yishi.core.errors import DomainError
from yishi.exchange import conf
from yishi.exchange.models import (
    AgreedMatter,
    Crossing,
    Delivery,
    Envelope,
    Mode,
    Partner,
    PickupItem,
)
from yishi.exchange.results import partner_issuer

AGREED_FIELDS = [
    "code",
    "name",
    "matter",
    "decided_by",
    "modes",
    "materials",
    "promised_days",
    "legal_days",
    "result_name",
    "delivery",
]


class AgreedMatterForm(forms.ModelForm):
    """Modes and delivery as check boxes with their Chinese names (stored as code lists)."""

    modes = forms.MultipleChoiceField(
        label="办理模式", choices=Mode.choices, widget=forms.CheckboxSelectMultiple
    )
    delivery = forms.MultipleChoiceField(
        label="结果送达方式", choices=Delivery.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = AgreedMatter
        fields = AGREED_FIELDS


class AgreedMatterInline(admin.TabularInline):
    model = AgreedMatter
    form = AgreedMatterForm
    extra = 0
    autocomplete_fields = ["matter"]
    fields = AGREED_FIELDS


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "endpoint",
        "scope",
        "active",
        "test_key",
        "calendar_fetched_at",
    ]
    list_filter = ["active", "scope"]
    search_fields = ["code", "name"]
    readonly_fields = ["calendar_fetched_at"]
    inlines = [AgreedMatterInline]

    @admin.display(description="测试密钥", boolean=True)
    def test_key(self, obj: Partner) -> bool:
        return conf.is_test_key(obj.public_key_pem)

    def save_model(self, request, obj: Partner, form, change) -> None:
        """Registering a partner also registers it as the issuer of the licences it seals
        (a department for its region, its public key as that seal's verify-only key)."""
        super().save_model(request, obj, form, change)
        try:
            partner_issuer(obj)
        except (DomainError, ValueError, TypeError) as exc:
            message = exc.message if isinstance(exc, DomainError) else "公钥无法解析"
            self.message_user(
                request, f"未能登记{obj.name}的发证机关：{message}", level=messages.WARNING
            )


@admin.register(Crossing)
class CrossingAdmin(admin.ModelAdmin):
    list_display = ["ref", "application", "partner", "role", "mode", "status", "promised_due"]
    list_filter = ["role", "mode", "status", "partner"]
    search_fields = ["application__number", "remote_number"]
    raw_id_fields = ["application", "subcase", "agreed"]


@admin.register(PickupItem)
class PickupItemAdmin(admin.ModelAdmin):
    list_display = ["shelf_code", "title", "outlet", "application", "status", "placed_at"]
    list_filter = ["status", "outlet"]
    search_fields = ["shelf_code", "application__number"]
    exclude = ["identity_check"]
    readonly_fields = [f.name for f in PickupItem._meta.fields if f.name != "identity_check"]

    def has_add_permission(self, request) -> bool:
        return False  # put on the shelf by a delivery notice; handed over at the counter


@admin.register(Envelope)
class EnvelopeAdmin(admin.ModelAdmin):
    list_display = ["envelope_id", "direction", "kind", "sender", "receiver", "status", "at"]
    list_filter = ["direction", "kind", "status"]
    search_fields = ["envelope_id"]
    exclude = ["body"]
    readonly_fields = [f.name for f in Envelope._meta.fields if f.name != "body"]
