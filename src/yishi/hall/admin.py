from django.contrib import admin

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


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "region_code", "sample_location", "is_active")
    list_filter = ("kind", "is_active")
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
    list_display = ("number", "outlet", "day", "priority", "status", "window", "arrived_at")
    list_filter = ("outlet", "day", "status", "priority")
    search_fields = ("number",)
    raw_id_fields = ("person", "application", "matter", "theme")
    readonly_fields = ("token", "virtual_at")


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
