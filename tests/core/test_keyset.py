"""Keyset pages (yishi.core.keyset): every row exactly once across pages, ties on the sort
key included, whatever the direction; a cursor that was not made for the list is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from yishi.core import keyset

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def people():
    """11 accounts over 3 surnames and 2 join times: many ties on every sort key."""
    moment = timezone.now()
    rows = []
    for i in range(11):
        rows.append(
            User.objects.create(
                username=f"keyset-{i}",
                last_name=["王", "李", "张"][i % 3],
                date_joined=moment - dt.timedelta(days=i % 2),
            )
        )
    return User.objects.filter(username__startswith="keyset-")


def walk(qs, keys, size, scope="test.people"):
    seen, cursor, pages = [], None, 0
    while True:
        page = keyset.page(qs, keys=keys, size=size, cursor=cursor, scope=scope)
        assert len(page.rows) <= size
        seen.extend(page.rows)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return seen, pages


@pytest.mark.parametrize(
    "keys",
    [("-last_name", "-id"), ("last_name", "id"), ("last_name", "-id"), ("-date_joined", "id")],
)
@pytest.mark.parametrize("size", [1, 2, 4, 11, 50])
def test_paging_returns_every_row_once_in_the_order_of_the_keys(people, keys, size):
    seen, pages = walk(people, keys, size)
    assert [u.pk for u in seen] == list(people.order_by(*keys).values_list("pk", flat=True))
    assert len({u.pk for u in seen}) == 11
    assert pages == max(1, -(-11 // size))


def test_a_segmented_page_runs_through_each_segment_in_turn(people):
    segments = [
        ("wang", people.filter(last_name="王"), ("-id",)),
        ("others", people.exclude(last_name="王"), ("date_joined", "id")),
    ]
    seen, cursor = [], None
    while True:
        page = keyset.segmented_page(segments, size=3, cursor=cursor, scope="test.seg")
        seen.extend(page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break
    expected = list(segments[0][1].order_by("-id")) + list(
        segments[1][1].order_by("date_joined", "id")
    )
    assert seen == expected


@pytest.mark.parametrize(
    "cursor",
    ["", "garbage", "x" * 500, "eyJzIjoidGVzdCJ9:forged:signature", "9.abc", "-1.abc"],
)
def test_a_mangled_cursor_is_refused_in_chinese(people, cursor):
    if not cursor:
        return  # an empty cursor means the first page
    with pytest.raises(keyset.BadCursor) as caught:
        keyset.page(people, keys=("-id",), size=2, cursor=cursor, scope="test.people")
    assert caught.value.status == 400
    assert "翻页位置无效" in caught.value.message


def test_a_cursor_of_another_list_or_ordering_is_refused(people):
    row = people.order_by("-id").first()
    other_scope = keyset.encode(row, ("-id",), scope="another.list")
    with pytest.raises(keyset.BadCursor):
        keyset.page(people, keys=("-id",), size=2, cursor=other_scope, scope="test.people")
    other_keys = keyset.encode(row, ("last_name", "id"), scope="test.people")
    with pytest.raises(keyset.BadCursor):
        keyset.page(people, keys=("-id",), size=2, cursor=other_keys, scope="test.people")


def test_a_cursor_only_moves_the_start_inside_the_given_rows(people):
    """A cursor pointing at a row outside the viewer's rows gives only the viewer's rows."""
    outsider = User.objects.create(username="outsider", last_name="赵")
    cursor = keyset.encode(outsider, ("-id",), scope="test.people")
    page = keyset.page(people, keys=("-id",), size=50, cursor=cursor, scope="test.people")
    assert outsider not in page.rows
    assert {u.pk for u in page.rows} == set(people.values_list("pk", flat=True))


def test_page_sizes_are_held_to_the_maximum():
    assert keyset.page_size("100000", default=50, maximum=100) == 100
    assert keyset.page_size("0", default=50, maximum=100) == 1
    assert keyset.page_size("abc", default=50, maximum=100) == 50
    assert keyset.page_size(None, default=50, maximum=100) == 50


def test_capped_count_stops_at_the_cap(people):
    assert keyset.capped_count(people, cap=5) == (5, True)
    assert keyset.capped_count(people, cap=11) == (11, False)
    assert keyset.count_label(people, cap=5) == "5+"
    assert keyset.count_label(people, cap=50) == 11


@pytest.mark.postgres
def test_the_next_page_seeks_in_the_index_instead_of_scanning_from_the_top():
    """With sequential scans priced out, the page after a cursor reads the department index
    from the cursor on (an index condition on the sort key), and needs no sort."""
    from yishi.cases.models import SubCase

    qs = keyset.after(SubCase.objects.filter(department_id=1).order_by("-id"), ("-id",), [12345])[
        :51
    ]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "cases_sub_dept_id_idx" in plan
    assert "Index Cond" in plan and "12345" in plan.split("Index Cond")[1]
    assert "Sort" not in plan


def _parallel_workers() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_serial_plans_start_no_parallel_worker_and_give_the_setting_back():
    before = _parallel_workers()
    with keyset.serial_plans():
        assert _parallel_workers() == "0"
        with keyset.serial_plans():  # nested: the same block goes on
            assert _parallel_workers() == "0"
        assert _parallel_workers() == "0"
    assert _parallel_workers() == before
