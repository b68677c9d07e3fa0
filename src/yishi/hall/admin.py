from django import forms
from django.contrib import admin
from django.db.models.fields.files import FieldFile

from yishi.core.errors import DomainError
from yishi.core.uploads import JPEG, PNG, check_upload
from yishi.hall.models import (
    Appointment,
    AppointmentSlot,
    GreenChannelRequest,
    Outlet,
    Queue,
    Ticket,
    Window,
    WindowSession,
)


class QueueInline(admin.TabularInline):
    model = Queue
    extra = 0
    filter_horizontal = ("matters", "themes")


class OutletForm(forms.ModelForm):
    """Photos of the entrance and signs are checked by content (JPEG or PNG), like every
    upload of the platform. The admin builds its Meta (model, fields)."""

    def _photo(self, name: str):
        photo = self.cleaned_data.get(name)
        if photo and hasattr(photo, "read") and not isinstance(photo, FieldFile):
            try:
                check_upload(name=photo.name, data=photo, field=name, allowed=(JPEG, PNG))
            except DomainError as exc:
                raise forms.ValidationError(exc.message) from exc
            photo.seek(0)
        return photo

    def clean_entrance_photo(self):
        return self._photo("entrance_photo")

    def clean_sign_photo(self):
        return self._photo("sign_photo")


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    form = OutletForm
    list_display = (
        "name",
        "code",
        "kind",
        "region_code",
        "location_verified",
        "sample_location",
        "is_active",
    )
    list_filter = ("kind", "location_verified", "is_active")
    search_fields = ("name", "code")
    inlines = [QueueInline]


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ("__str__", "outlet", "name", "kind", "serves_all", "is_active")
    list_filter = ("outlet", "kind")
    filter_horizontal = ("queues", "matters", "themes")


@admin.register(WindowSession)
class WindowSessionAdmin(admin.ModelAdmin):
    list_display = ("window", "staff", "started_at", "ended_at")
    list_filter = ("window__outlet",)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "outlet",
        "day",
        "priority",
        "claim",
        "status",
        "window",
        "arrived_at",
    )
    list_filter = ("outlet", "day", "status", "priority", "claim")
    search_fields = ("number",)
    raw_id_fields = ("person", "application", "matter", "theme")
    # Priority changes only through a verified claim (services), never by editing the row.
    readonly_fields = (
        "token",
        "priority",
        "virtual_at",
        "green_reason",
        "claim",
        "claim_checked_by",
        "claim_checked_at",
        "claim_note",
    )


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(admin.ModelAdmin):
    list_display = ("outlet", "matter", "starts_at", "capacity", "booked")
    list_filter = ("outlet",)
    raw_id_fields = ("matter",)


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("code", "slot", "user", "status", "booked_at", "checked_in_at")
    list_filter = ("status",)
    search_fields = ("code",)
    raw_id_fields = ("slot", "user", "person", "ticket")


@admin.register(GreenChannelRequest)
class GreenChannelRequestAdmin(admin.ModelAdmin):
    list_display = ("outlet", "service", "reason", "status", "assigned_to", "requested_at")
    list_filter = ("outlet", "service", "reason", "status")
    raw_id_fields = ("person", "company", "matter", "ticket", "assigned_to")
