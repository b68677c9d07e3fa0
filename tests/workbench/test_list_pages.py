"""The workbench lists a page at a time (keyset cursors in 下一页 links): every row once
across pages, the viewer's reach first, and a bad cursor a plain 400 in Chinese."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.cases.conftest import ACCEPT_DAY
from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.workbench.conftest import reviewer_of
from yishi.cases.services import application_accept, application_submit
from yishi.core import crypto, keyset

pytestmark = pytest.mark.django_db

NEXT = re.compile(r'href="([^"]*)" rel="next"')


def submit(chain, n):
    return [
        application_submit(
            user=ApplicantFactory().user,
            theme=chain["theme"],
            answers={},
            form_data={"name": "张三"},
        )
        for _ in range(n)
    ]


def walk(client, url, pattern):
    """Follow the 下一页 links; the ids the pattern finds on each page, page by page."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        pages.append(re.findall(pattern, html))
        found = NEXT.search(html)
        url = (url.split("?")[0] + unescape(found.group(1))) if found else None
    return pages


def test_a_reviewer_pages_through_running_then_waiting_subcases_once_each(client, chain, window):
    for app in submit(chain, 3):
        application_accept(application=app, staff=window.user, today=ACCEPT_DAY)
    reviewer = reviewer_of(chain, "b")  # B waits for A: three waiting sub-cases
    client.force_login(reviewer.user)
    pages = walk(client, "/workbench/subcases/?size=2", r'data-subcase="(\d+)"')
    assert [len(p) for p in pages] == [2, 1]
    ids = [int(i) for page in pages for i in page]
    mine = chain["theme"].items.get(matter__name="链路事项B").matter.department_id
    from yishi.cases.models import SubCase

    expected = SubCase.objects.filter(department_id=mine).order_by("-id")
    assert ids == list(expected.values_list("pk", flat=True))


def test_the_window_queue_pages_newest_first(client, window):
    from tests.cases.conftest import make_chain_theme

    chain = make_chain_theme()
    apps = submit(chain, 3)
    client.force_login(window.user)
    pages = walk(
        client,
        "/workbench/applications/?size=1",
        r'申请编号"><a href="/workbench/applications/(\w+)/"',
    )
    assert [len(p) for p in pages] == [1, 1, 1]
    assert [p[0] for p in pages] == [a.number for a in reversed(apps)]


def test_the_deadline_list_keeps_the_department_on_the_next_page(client, chain, window):
    from tests.cases.factories import StaffFactory
    from yishi.core.roles import Role, grant_roles

    for app in submit(chain, 2):
        application_accept(application=app, staff=window.user, today=ACCEPT_DAY)
    supervisor = StaffFactory()
    grant_roles(supervisor.user, Role.SUPERVISOR)
    client.force_login(supervisor.user)
    dept = chain["theme"].items.get(matter__name="链路事项A").matter.department_id
    pages = walk(client, f"/workbench/deadlines/?department={dept}&size=1", r'data-row="([^"]+)"')
    rows = [r for page in pages for r in page]
    assert len(pages) == len(rows) == 4  # two A sub-cases and their two applications
    assert len(set(rows)) == 4
    assert sum(r.startswith("subcase-") for r in rows) == 2


def test_a_bad_or_foreign_cursor_is_a_plain_400_and_never_widens_the_list(client, chain, window):
    for app in submit(chain, 2):
        application_accept(application=app, staff=window.user, today=ACCEPT_DAY)
    a_reviewer, b_reviewer = reviewer_of(chain, "a"), reviewer_of(chain, "b")
    client.force_login(b_reviewer.user)
    response = client.get("/workbench/subcases/?cursor=garbage")
    assert response.status_code == 400
    assert "翻页位置无效" in response.content.decode()
    # A's list cursor is signed for A's department: refused on B's.
    client.force_login(a_reviewer.user)
    html = client.get("/workbench/subcases/?size=1").content.decode()
    a_cursor = unescape(NEXT.search(html).group(1)).split("cursor=")[1]
    client.force_login(b_reviewer.user)
    from urllib.parse import unquote

    assert client.get(f"/workbench/subcases/?cursor={a_cursor}").status_code == 400
    # A cursor of B's own list pointing at A's sub-case shows B's sub-cases only.
    from yishi.cases.models import SubCase

    foreign = SubCase.objects.filter(department_id=a_reviewer.department_id).order_by("id").last()
    forged = "2." + keyset.encode(
        foreign, ("-id",), scope=f"workbench.subcases.{b_reviewer.department_id}:waiting"
    )
    from urllib.parse import quote

    html = client.get(f"/workbench/subcases/?cursor={quote(forged)}").content.decode()
    shown = {int(i) for i in re.findall(r'data-subcase="(\d+)"', html)}
    assert shown
    assert set(SubCase.objects.filter(pk__in=shown).values_list("department_id", flat=True)) == {
        b_reviewer.department_id
    }
    assert unquote(a_cursor)  # the cursor is opaque text, no personal data to decode


def test_an_applicant_pages_through_their_own_applications_only(client, chain):
    mine = ApplicantFactory()
    for _ in range(3):
        application_submit(
            user=mine.user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
        )
    submit(chain, 2)  # someone else's
    client.force_login(mine.user)
    pages = walk(client, "/apply/my/?size=2", r'href="/apply/my/(\w+)/"')
    numbers = [n for page in pages for n in page]
    assert [len(p) for p in pages] == [2, 1]
    from yishi.cases.models import Application

    assert numbers == list(
        Application.objects.filter(applicant=mine.user)
        .order_by("-id")
        .values_list("number", flat=True)
    )
    assert client.get("/apply/my/?cursor=bad").status_code == 400


def test_list_lines_show_masked_names_without_decrypting_forms_or_identity_numbers(
    client, chain, window, monkeypatch
):
    """A line shows the application's number, the applicant's masked name and the matter:
    the encrypted form data and identity numbers stay unread (one decryption a row each)."""
    for app in submit(chain, 3):
        application_accept(application=app, staff=window.user, today=ACCEPT_DAY)
    decrypted = []
    real = crypto.sm4_decrypt
    monkeypatch.setattr(crypto, "sm4_decrypt", lambda value: decrypted.append(1) or real(value))
    client.force_login(reviewer_of(chain, "a").user)
    html = client.get("/workbench/subcases/").content.decode()
    assert html.count("链路事项A") == 3
    client.force_login(StaffFactory(supervisor=True).user)
    html = client.get("/workbench/deadlines/").content.decode()
    assert html.count("链路事项A") == 3 and "链路测试一件事" in html
    assert decrypted == []
