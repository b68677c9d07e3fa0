from django import forms
from django.contrib import admin

from yishi.exchange import conf
from yishi.exchange.models import AgreedMatter, Crossing, Delivery, Envelope, Mode, Partner

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


@admin.register(Crossing)
class CrossingAdmin(admin.ModelAdmin):
    list_display = ["ref", "application", "partner", "role", "mode", "status", "promised_due"]
    list_filter = ["role", "mode", "status", "partner"]
    search_fields = ["application__number", "remote_number"]
    raw_id_fields = ["application", "subcase", "agreed"]


@admin.register(Envelope)
class EnvelopeAdmin(admin.ModelAdmin):
    list_display = ["envelope_id", "direction", "kind", "sender", "receiver", "status", "at"]
    list_filter = ["direction", "kind", "status"]
    search_fields = ["envelope_id"]
    exclude = ["body"]
    readonly_fields = [f.name for f in Envelope._meta.fields if f.name != "body"]
