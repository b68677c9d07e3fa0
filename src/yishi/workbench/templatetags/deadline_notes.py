"""{% deadline_note start due %}: beside a deadline, the calendar warning when its count runs
through a year whose official holiday schedule is not published or not entered yet (counted
from the statutory holidays only, so the date may still move)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html, format_html_join

from yishi.core import workdays

register = template.Library()


def _estimated(context: template.Context, year: int) -> bool:
    """Whether `year` has no official schedule; asked once per year per request."""
    request = context.get("request")
    memo = getattr(request, "_yishi_estimated_years", None)
    if memo is None:
        memo = {}
        if request is not None:
            request._yishi_estimated_years = memo
    if year not in memo:
        memo[year] = not workdays.has_official_data(year)
    return memo[year]


@register.simple_tag(takes_context=True)
def deadline_note(context: template.Context, start: dt.date | None, due: dt.date | None) -> str:
    """The warning for the years of start..due (only due's year when start is unknown)."""
    if not isinstance(due, dt.date):
        return ""
    first = start if isinstance(start, dt.date) and start <= due else due
    years = [y for y in range(first.year, due.year + 1) if _estimated(context, y)]
    if not years:
        return ""
    return format_html(
        '<br><small class="muted wb-calendar-note" data-calendar-note role="note">提示：{}</small>',
        format_html_join("；", "{}", ((workdays.missing_year_warning(y),) for y in years)),
    )
