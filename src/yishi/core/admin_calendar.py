"""Admin for the working-day calendar."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from yishi.core import workdays
from yishi.core.models import CalendarDay

WARN_YEARS_AHEAD = 2
_WEEKDAYS = "一二三四五六日"


def admin_calendar_warning(year: int) -> str:
    """The changelist warning for a year with no official data and no rows."""
    return (
        f"{year}年尚无官方节假日安排：期限已按法定节假日推算，调休和补假未计入，"
        f"请录入{year}年节假日与调休"
    )


def upcoming_missing_years(today_year: int) -> list[int]:
    """This year and the next two that chinese-calendar does not know and nobody has entered."""
    return workdays.missing_years(today_year, today_year + WARN_YEARS_AHEAD)


class YearFilter(admin.SimpleListFilter):
    """Filter rows by calendar year: years with rows, plus this year and the next two."""

    title = "年份"
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        """Years that have rows, and the years an administrator should be entering now."""
        this_year = timezone.localdate().year
        years = {d.year for d in CalendarDay.objects.dates("date", "year")}
        years |= set(range(this_year, this_year + WARN_YEARS_AHEAD + 1))
        return [(str(y), f"{y}年") for y in sorted(years, reverse=True)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        """Keep only the rows of the chosen year."""
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name")
    list_display_links = ("date",)
    list_filter = ("kind", YearFilter)
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("date",)
    list_per_page = 100

    @admin.display(description="星期", ordering="date")
    def weekday(self, obj: CalendarDay) -> str:
        """The weekday in Chinese, so adjusted Saturdays and Sundays stand out."""
        return f"星期{_WEEKDAYS[obj.date.weekday()]}"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        """The list, with a warning for each near year whose holidays are still unknown."""
        if request.method == "GET":
            for year in upcoming_missing_years(timezone.localdate().year):
                messages.warning(request, admin_calendar_warning(year))
        return super().changelist_view(request, extra_context=extra_context)

    # Every write says which dates changed, in its own transaction: the open deadlines that
    # count across them are recomputed after commit (yishi.cases.calendar_changes).

    def save_model(
        self, request: HttpRequest, obj: CalendarDay, form: ModelForm, change: bool
    ) -> None:
        """Save the row and report its date (and its former date, when it was moved)."""
        with transaction.atomic():
            before = CalendarDay.objects.filter(pk=obj.pk).values_list("date", flat=True)
            dates = [*before, obj.date] if change and obj.pk else [obj.date]
            super().save_model(request, obj, form, change)
            workdays.calendar_days_changed(dates)

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        with transaction.atomic():
            super().delete_model(request, obj)
            workdays.calendar_days_changed([obj.date])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic():
            dates = list(queryset.values_list("date", flat=True))
            super().delete_queryset(request, queryset)
            workdays.calendar_days_changed(dates)
