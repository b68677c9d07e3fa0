"""Pages: take a ticket, the live ticket and screen fragments, the staff window console,
the dashboard."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.cases.factories import ApplicantFactory, StaffFactory, make_chain_theme
from tests.hall.conftest import on_duty
from yishi.cases.services import application_submit
from yishi.hall import services
from yishi.hall.demo import load_hall_demo
from yishi.hall.models import Outlet, Ticket, Window

pytestmark = pytest.mark.django_db
TS = Ticket.Status


def test_phone_page_takes_a_ticket_and_shows_place_and_wait(client, hall):
    services.ticket_take(outlet=hall.outlet, queue=hall.a)
    page = client.get("/hall/test-centre/take/")
    assert page.status_code == 200
    assert "综合受理" in page.content.decode()

    r = client.post("/hall/test-centre/take/", {"queue": "A", "green_reason": ""})

    ticket = Ticket.objects.get(number="A002")
    assert r.status_code == 302 and r["Location"] == f"/hall/ticket/{ticket.token}/"
    assert ticket.channel == Ticket.Channel.PHONE
    html = client.get(r["Location"]).content.decode()
    assert "A002" in html and "data-ahead>1<" in html and "约 8 分钟" in html


def test_take_page_without_a_queue_choice_shows_the_error_and_issues_nothing(client, hall):
    r = client.post("/hall/test-centre/take/", {"queue": "Q"})
    assert r.status_code == 422
    assert "请选择办理业务" in r.content.decode()
    assert not Ticket.objects.exists()


def test_unknown_outlet_or_ticket_is_404(client, hall):
    assert client.get("/hall/nowhere/take/").status_code == 404
    assert client.get("/hall/ticket/abc/").status_code == 404


def test_fragments_show_the_call_on_phone_and_screen(client, hall):
    t = services.ticket_take(outlet=hall.outlet, queue=hall.a)
    staff = on_duty(hall.general)
    status_url = reverse("hall_public:ticket_status", kwargs={"token": t.token})
    assert "前面还有" in client.get(status_url).content.decode()
    assert "暂无叫号" in client.get("/hall/test-centre/screen/calls/").content.decode()

    services.ticket_call_next(window=hall.general, staff=staff)

    assert "请 A001 号到 1号窗口 办理" in client.get(status_url).content.decode()
    screen = client.get("/hall/test-centre/screen/calls/")
    assert 'data-call="A001"' in screen.content.decode()
    assert "no-cache" in screen["Cache-Control"]
    page = client.get("/hall/test-centre/screen/").content.decode()
    assert 'hx-get="/hall/test-centre/screen/calls/" hx-trigger="every 1500ms"' in page


def test_staff_signs_on_calls_serves_links_the_case_and_finishes(client, hall):
    t = services.ticket_take(outlet=hall.outlet, queue=hall.a)
    staff = StaffFactory().user
    client.force_login(staff)
    base = f"/workbench/hall/windows/{hall.general.pk}/"
    assert client.get("/workbench/hall/").status_code == 200
    client.post(base + "sign-on/")
    client.post(base + "call/")
    page = client.get(base).content.decode()
    assert "A001" in page and reverse("workbench:walk_in") in page
    client.post(base + "serve/")
    applicant = ApplicantFactory()
    person = applicant.person
    app = application_submit(
        user=applicant.user,
        theme=make_chain_theme()["theme"],
        answers={},
        form_data={"name": "张三"},
    )
    r = client.post(base + "finish/", {"application": app.number}, follow=True)
    assert "已办结" in r.content.decode()
    t.refresh_from_db()
    assert (t.status, t.application, t.person, t.served_by) == (TS.DONE, app, person, staff)


def test_finish_with_an_unknown_application_number_keeps_the_ticket_open(client, hall):
    services.ticket_take(outlet=hall.outlet, queue=hall.a)
    staff = on_duty(hall.general)
    services.ticket_call_next(window=hall.general, staff=staff)
    client.force_login(staff)
    r = client.post(
        f"/workbench/hall/windows/{hall.general.pk}/finish/", {"application": "YSX"}, follow=True
    )
    assert "申请编号不存在" in r.content.decode()
    assert Ticket.objects.get().status == TS.CALLED


def test_window_page_refuses_users_without_a_staff_role(client, hall):
    client.force_login(ApplicantFactory().user)
    assert client.get(f"/workbench/hall/windows/{hall.general.pk}/").status_code == 403
    assert client.get("/workbench/hall/test-centre/dashboard/").status_code == 403


def test_staff_transfers_from_the_page(client, hall):
    services.ticket_take(outlet=hall.outlet, queue=hall.a)
    staff = on_duty(hall.general)
    services.ticket_call_next(window=hall.general, staff=staff)
    client.force_login(staff)
    client.post(
        f"/workbench/hall/windows/{hall.general.pk}/transfer/", {"to_window": hall.green.pk}
    )
    t = Ticket.objects.get()
    assert (t.status, t.window) == (TS.TRANSFERRED, hall.green)


def test_dashboard_shows_measures_and_svg_chart(client, hall):
    services.ticket_take(outlet=hall.outlet, queue=hall.a)
    client.force_login(StaffFactory().user)
    html = client.get("/workbench/hall/test-centre/dashboard/?day=bad").content.decode()
    assert 'data-m="tickets">1<' in html
    assert "<svg" in html and "各窗口利用率" in html


def test_demo_creates_the_district_centre_with_ten_windows_and_five_towns(db):
    load_hall_demo()
    load_hall_demo()  # idempotent
    centre = Outlet.objects.get(code="lzh-centre")
    assert centre.name == "梁子湖区政务服务中心" and centre.sample_location
    assert Window.objects.filter(outlet=centre).count() == 10
    kinds = set(Window.objects.filter(outlet=centre).values_list("kind", flat=True))
    # The remote windows (远程虚拟窗口) come with the remote window's demo (yishi.remote.demo).
    assert kinds == {k.value for k in Window.Kind} - {Window.Kind.REMOTE}
    towns = Outlet.objects.filter(kind=Outlet.Kind.TOWN)
    assert sorted(towns.values_list("region_code", flat=True)) == [f"42070210{i}" for i in range(5)]


def test_window_waiting_fragment_lists_what_this_window_may_call(client, hall):
    services.ticket_take(outlet=hall.outlet, queue=hall.a)
    services.ticket_take(outlet=hall.outlet, queue=hall.b)
    client.force_login(StaffFactory().user)
    special = client.get(f"/workbench/hall/windows/{hall.special.pk}/waiting/").content.decode()
    general = client.get(f"/workbench/hall/windows/{hall.general.pk}/waiting/").content.decode()
    assert 'data-waiting-number="B001"' in special and "A001" not in special
    assert 'data-waiting-number="A001"' in general and 'data-waiting-number="B001"' in general


def test_one_phone_may_hold_three_open_tickets_per_outlet(client, hall):
    for _ in range(3):
        assert client.post("/hall/test-centre/take/", {"queue": "A"}).status_code == 302
    refused = client.post("/hall/test-centre/take/", {"queue": "A"})
    assert refused.status_code == 429
    assert "已有 3 个尚未办理的排队号" in refused.content.decode()
    assert Ticket.objects.count() == 3
    # Once one is done (here: a no-show), the phone may take another.
    Ticket.objects.filter(pk=Ticket.objects.order_by("id").first().pk).update(
        status=Ticket.Status.NO_SHOW
    )
    assert client.post("/hall/test-centre/take/", {"queue": "A"}).status_code == 302
    # Another phone is not affected.
    assert Client().post("/hall/test-centre/take/", {"queue": "A"}).status_code == 302


def test_a_kiosk_opened_by_staff_takes_tickets_for_everyone(client, hall):
    client.force_login(StaffFactory().user)
    for _ in range(5):
        r = client.post("/hall/test-centre/take/?kiosk=1", {"queue": "A"})
        assert r.status_code == 302
    assert set(Ticket.objects.values_list("channel", flat=True)) == {Ticket.Channel.KIOSK}


def test_a_poll_after_the_session_ended_loads_the_sign_in_page_instead_of_swapping_it_in(
    client, hall
):
    url = f"/workbench/hall/windows/{hall.general.pk}/waiting/"

    polled = client.get(url, headers={"HX-Request": "true"})
    plain = client.get(url)

    assert polled.status_code == 200 and polled["HX-Redirect"].startswith("/admin/login/")
    assert polled.content == b""
    assert plain.status_code == 302  # a page load still redirects as before
