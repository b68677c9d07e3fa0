"""Admin for the working-day calendar."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from yishi.core import workdays
from yishi.core.models import CalendarDay

WARN_YEARS_AHEAD = 2
_WEEKDAYS = "一二三四五六日"


def admin_calendar_warning(year: int) -> str:
    """The changelist warning for a year with no official data and no rows."""
    return f"{year}年尚无官方节假日安排：期限计算按周末推算，请录入{year}年节假日与调休"


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
