"""The working-day index the figures count on in the database.

One row per date: whether it is a working day (decided by yishi.core.workdays: admin rows,
chinese-calendar, the law) and two running counts, so that a count of working days becomes
one subtraction in SQL:

- `before`: working days from the index's first date up to the day before this one;
- `upto`:   the same, this date included.

Working days in (a, b] = upto(b) − upto(a); working days in [s, e) = before(e) − before(s).
"""

from __future__ import annotations

from django.db import models


class WorkdayIndex(models.Model):
    day = models.DateField("日期", primary_key=True)
    is_workday = models.BooleanField("工作日")
    before = models.PositiveIntegerField("此前工作日累计")
    upto = models.PositiveIntegerField("截至当日工作日累计")

    class Meta:
        verbose_name = "工作日索引"
        verbose_name_plural = "工作日索引"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'工作日' if self.is_workday else '休息日'}"


class WorkdayIndexState(models.Model):
    """The range the index covers and the fingerprint of the calendar rows it was built from
    (one row)."""

    first = models.DateField("起始日期")
    last = models.DateField("截止日期")
    fingerprint = models.CharField("日历指纹", max_length=100)

    class Meta:
        verbose_name = "工作日索引状态"
        verbose_name_plural = "工作日索引状态"

    def __str__(self) -> str:
        return f"{self.first}—{self.last}"
