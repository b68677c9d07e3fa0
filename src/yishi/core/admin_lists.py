"""Admin change lists that stay fast over a year of history: no COUNT(*) of the whole table,
no date hierarchy (it reads every row's date), filters that list values by skipping through
an index instead of SELECT DISTINCT over the table.

Use `LargeTableAdmin` (or its attributes) for tables that grow with history.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse

from yishi.core import keyset

ADMIN_COUNT_CAP = 10_000
FILTER_VALUES_MAX = 200


class CappedCountPaginator(Paginator):
    """Counts at most ADMIN_COUNT_CAP rows (the first 200 pages at 50 a page); the rest is
    reached by filtering or searching, never by a count over millions of rows."""

    @cached_property
    def count(self) -> int:
        return keyset.capped_count(self.object_list, ADMIN_COUNT_CAP)[0]


def distinct_values(model: type[Model], field: str, limit: int = FILTER_VALUES_MAX) -> list[str]:
    """The distinct values of an indexed column. On PostgreSQL a recursive query jumps from
    one value to the next through the index (one probe per value, a "loose index scan")
    instead of reading every row; elsewhere a plain DISTINCT."""
    if connection.vendor != "postgresql":
        rows = model._default_manager.order_by(field).values_list(field, flat=True).distinct()
        return [v for v in rows[:limit] if v not in (None, "")]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column = quote(model._meta.get_field(field).column)
    # Names come from the model's own metadata, never from the request.
    sql = (
        f"WITH RECURSIVE t(v) AS ((SELECT {column} FROM {table} ORDER BY 1 LIMIT 1) "  # noqa: S608
        f"UNION ALL SELECT (SELECT {column} FROM {table} WHERE {column} > t.v "
        f"ORDER BY 1 LIMIT 1) FROM t WHERE t.v IS NOT NULL) "
        f"SELECT v FROM t WHERE v IS NOT NULL AND v <> '' LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit])
        return [row[0] for row in cursor.fetchall()]


def indexed_values_filter(field: str, title: str) -> type[admin.SimpleListFilter]:
    """A list filter over the values of an indexed column, listed through distinct_values."""

    class IndexedValuesFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            return [(v, v) for v in distinct_values(model_admin.model, field)]

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            value = self.value()
            return queryset.filter(**{field: value}) if value else queryset

    IndexedValuesFilter.title = title
    IndexedValuesFilter.__name__ = f"IndexedValuesFilter_{field}"
    return IndexedValuesFilter


class PreparedChangeList(ChangeList):
    """Lets the admin load what a page's columns show for all its rows at once
    (`prepare_page`), instead of one query per row, and leave out the columns no list
    column shows (`list_defer`: encrypted fields cost a decryption per row)."""

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet:
        qs = super().get_queryset(request, exclude_parameters)
        defer = getattr(self.model_admin, "list_defer", ())
        return qs.defer(*defer) if defer else qs

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        self.result_list = self.model_admin.prepare_page(list(self.result_list))


class LargeTableAdmin(admin.ModelAdmin):
    """A change list over a table that grows with history: capped count, no full count, no
    date hierarchy; order by an indexed key."""

    paginator = CappedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    list_max_show_all = 200
    date_hierarchy = None
    list_defer: tuple[str, ...] = ()

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return PreparedChangeList

    def prepare_page(self, rows: list[Any]) -> list[Any]:
        """Hook: attach what the columns need to a page's rows in a fixed number of queries."""
        return rows

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # No navigation sidebar on these lists: its links to every model of the site cost
        # more to render than the page's 50 rows (the breadcrumbs lead back to the index).
        context = {"is_nav_sidebar_enabled": False, **(extra_context or {})}
        return super().changelist_view(request, context)
