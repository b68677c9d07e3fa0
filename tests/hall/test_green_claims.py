"""Green-channel claims on tickets: nobody gets the priority by asking for it. An anonymous
claim waits 待核验 as an ordinary ticket until a clerk confirms it; a signed-in applicant's
claim is checked at once against their ID number and the registries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import DepartmentFactory
from tests.hall.conftest import NOW, minutes, on_duty
from tests.hall.factories import OutletFactory, QueueFactory
from tests.people.factories import PersonFactory
from yishi.catalog.models import Department
from yishi.core.errors import Conflict, PermissionDeniedError
from yishi.core.models import AuditEntry
from yishi.hall import policy, services
from yishi.hall.models import Ticket
from yishi.hall.policy import Priority

pytestmark = pytest.mark.django_db
C = Ticket.Claim
TS_WAITING = Ticket.Status.WAITING
GREEN_BONUS = dt.timedelta(minutes=30)
TAKE_API = "/api/v1/hall/outlets/test-centre/tickets"


def claim(hall, reason="elderly", at=NOW, person=None):
    return services.ticket_take(
        outlet=hall.outlet,
        queue=hall.a,
        priority=Priority.GREEN,
        green_reason=reason,
        person=person,
        now=at,
    )


def ordinary(hall, at=NOW):
    return services.ticket_take(outlet=hall.outlet, queue=hall.a, now=at)


def window_url(hall, action):
    return reverse("hall:window_action", kwargs={"window_id": hall.green.pk, "action": action})


# ---------------------------------------------------------------- anonymous claims


def test_an_anonymous_elderly_claim_does_not_overtake_an_earlier_ordinary_ticket(hall):
    early = ordinary(hall, at=NOW)
    claimed = claim(hall, "elderly", at=minutes(1))
    staff = on_duty(hall.general)

    first = services.ticket_call_next(window=hall.general, staff=staff, now=minutes(2))

    assert first.pk == early.pk
    claimed.refresh_from_db()
    assert (claimed.status, claimed.claim, claimed.priority) == (TS_WAITING, C.PENDING, 0)
    assert claimed.virtual_at == claimed.arrived_at == minutes(1)
    assert (claimed.claim_checked_by, claimed.claim_checked_at) == (None, None)


def test_an_anonymous_claim_through_the_api_is_ordinary_and_labelled_pending(client, hall):
    r = client.post(TAKE_API, {"green_reason": "elderly"}, content_type="application/json")

    assert r.status_code == 201
    body = r.json()
    assert (body["number"], body["priority"], body["priority_label"]) == (
        "V001",
        "ordinary",
        "普通",
    )
    assert body["green_claim"] == {
        "reason": "elderly",
        "reason_label": "60周岁以上老年人",
        "status": "pending",
        "status_label": "待核验",
        "message": "请到窗口出示身份证，经工作人员核验年龄后优先叫号；核验前按普通号排队。",
        "checked_at": None,
    }
    t = Ticket.objects.get()
    assert (t.priority, t.virtual_at) == (0, t.arrived_at)


def test_an_anonymous_claim_on_the_phone_page_is_shown_as_pending(client, hall):
    r = client.post("/hall/test-centre/take/", {"queue": "A", "green_reason": "disabled"})

    t = Ticket.objects.get()
    assert (t.claim, t.priority, t.green_reason, t.person) == (C.PENDING, 0, "disabled", None)
    html = client.get(r["Location"]).content.decode()
    assert 'data-claim="pending"' in html and "待核验" in html
    assert "请到窗口出示残疾人证" in html and "核验前按普通号排队" in html


def test_an_ordinary_ticket_has_no_claim_in_the_api(client, hall):
    r = client.post(TAKE_API, {"queue": "A"}, content_type="application/json")
    assert (r.json()["green_claim"], r.json()["priority_label"]) == (None, "普通")


# ---------------------------------------------------------------- a clerk decides


def test_after_a_clerk_confirms_the_claim_gets_the_green_bonus_and_is_called_first(hall):
    early = ordinary(hall, at=NOW)
    claimed = claim(hall, "pregnant", at=minutes(1))
    clerk = on_duty(hall.green)

    t = services.ticket_claim_confirm(ticket=claimed, staff=clerk, now=minutes(2))

    assert (t.claim, t.priority) == (C.VERIFIED, Priority.GREEN)
    assert t.virtual_at == policy.virtual_arrival(minutes(1), Priority.GREEN)
    assert t.virtual_at == minutes(1) - GREEN_BONUS
    assert (t.claim_checked_by, t.claim_checked_at) == (clerk, minutes(2))
    entry = AuditEntry.objects.filter(action="hall.ticket.claim_confirm").get()
    assert (entry.object_id, entry.actor) == (str(t.pk), clerk.get_username())
    assert entry.data == {"number": "V001", "reason": "pregnant"}

    first = services.ticket_call_next(
        window=hall.general, staff=on_duty(hall.general), now=minutes(3)
    )
    assert first.pk == claimed.pk
    assert Ticket.objects.get(pk=early.pk).status == TS_WAITING


def test_a_rejected_claim_stays_ordinary_and_cannot_be_confirmed_afterwards(hall):
    early = ordinary(hall, at=NOW)
    claimed = claim(hall, "military", at=minutes(1))
    clerk = on_duty(hall.green)

    t = services.ticket_claim_reject(ticket=claimed, staff=clerk, now=minutes(2))

    assert (t.claim, t.priority, t.virtual_at) == (C.REJECTED, 0, minutes(1))
    assert (t.claim_checked_by, t.claim_checked_at) == (clerk, minutes(2))
    assert t.claim_message == "经窗口工作人员核验，不符合绿色通道条件，按普通号排队。"
    with pytest.raises(Conflict, match="未通过核验"):
        services.ticket_claim_confirm(ticket=t, staff=clerk, now=minutes(3))
    t.refresh_from_db()
    assert (t.claim, t.priority) == (C.REJECTED, 0)
    first = services.ticket_call_next(
        window=hall.general, staff=on_duty(hall.general), now=minutes(3)
    )
    assert first.pk == early.pk
    assert AuditEntry.objects.filter(action="hall.ticket.claim_reject").count() == 1


def test_a_ticket_without_a_claim_or_already_finished_cannot_be_confirmed(hall):
    clerk = on_duty(hall.general)
    plain = ordinary(hall)
    with pytest.raises(Conflict, match="没有绿色通道申请"):
        services.ticket_claim_confirm(ticket=plain, staff=clerk, now=minutes(1))
    done = claim(hall, "talent", at=minutes(1))
    Ticket.objects.filter(pk=done.pk).update(status=Ticket.Status.NO_SHOW)
    with pytest.raises(Conflict, match="过号未到"):
        services.ticket_claim_confirm(ticket=done, staff=clerk, now=minutes(2))
    assert Ticket.objects.filter(priority=Priority.GREEN).count() == 0


def test_the_window_page_lists_pending_claims_and_the_clerk_confirms_one(client, hall):
    earlier = services.ticket_take(outlet=hall.outlet, queue=hall.a)
    claimed = services.ticket_take(
        outlet=hall.outlet, priority=Priority.GREEN, green_reason="elderly"
    )
    clerk = on_duty(hall.green)
    client.force_login(clerk)
    waiting = client.get(
        reverse("hall:window_waiting", kwargs={"window_id": hall.green.pk})
    ).content.decode()
    assert 'data-claim-number="V001"' in waiting and "60周岁以上老年人" in waiting
    assert 'data-action="claim-confirm"' in waiting and 'data-action="claim-reject"' in waiting

    r = client.post(window_url(hall, "claim-confirm"), {"ticket": claimed.pk}, follow=True)

    assert "V001 绿色通道已核验" in r.content.decode()
    claimed.refresh_from_db()
    assert (claimed.claim, claimed.priority, claimed.claim_checked_by) == (C.VERIFIED, 2, clerk)
    assert claimed.virtual_at == claimed.arrived_at - GREEN_BONUS
    assert "暂无待核验的绿色通道号" in r.content.decode()
    page = client.get(reverse("hall:window", kwargs={"window_id": hall.green.pk})).content.decode()
    # The verified claim now comes first in the window's calling order.
    assert page.index('data-waiting-number="V001"') < page.index(
        f'data-waiting-number="{earlier.number}"'
    )


def test_the_clerk_rejects_a_claim_from_the_window_page_with_a_reason(client, hall):
    claimed = services.ticket_take(
        outlet=hall.outlet, priority=Priority.GREEN, green_reason="pregnant"
    )
    client.force_login(on_duty(hall.green))
    client.post(window_url(hall, "claim-reject"), {"ticket": claimed.pk, "note": "未能出示证明"})
    claimed.refresh_from_db()
    assert (claimed.claim, claimed.priority, claimed.claim_note) == (C.REJECTED, 0, "未能出示证明")
    status = client.get(reverse("hall_public:ticket_status", kwargs={"token": claimed.token}))
    assert "未通过核验" in status.content.decode()
    assert "未能出示证明，按普通号排队。" in status.content.decode()


def test_a_called_ticket_with_a_pending_claim_can_be_confirmed_from_the_console(client, hall):
    services.ticket_take(outlet=hall.outlet, priority=Priority.GREEN, green_reason="talent")
    clerk = on_duty(hall.green)
    called = services.ticket_call_next(window=hall.green, staff=clerk)
    client.force_login(clerk)
    page = client.get(reverse("hall:window", kwargs={"window_id": hall.green.pk})).content.decode()
    assert 'data-current-claim="pending"' in page and "引进人才" in page
    client.post(window_url(hall, "claim-confirm"), {"ticket": called.pk})
    called.refresh_from_db()
    assert (called.status, called.claim, called.claim_checked_by) == (
        Ticket.Status.CALLED,
        C.VERIFIED,
        clerk,
    )


def _outsider_of_another_centre(hall):
    hall.outlet.department = DepartmentFactory(kind=Department.Kind.SERVICE_CENTRE)
    hall.outlet.save()
    centre = DepartmentFactory(kind=Department.Kind.SERVICE_CENTRE)
    return StaffFactory(service_centre=centre).user


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),  # to the login page
        ("applicant", 403),
        ("the claimant", 403),
        ("reviewer", 403),
        ("staff of another centre", 403),
    ],
)
def test_only_hall_staff_of_the_outlet_can_confirm_a_claim(client, hall, who, status):
    applicant = ApplicantFactory()
    claimed = services.ticket_take(
        outlet=hall.outlet,
        priority=Priority.GREEN,
        green_reason="pregnant",
        person=applicant.person,
    )
    before = Ticket.objects.values().get(pk=claimed.pk)
    audit_before = AuditEntry.objects.count()
    user = {
        "anonymous": lambda: None,
        "applicant": lambda: ApplicantFactory().user,
        "the claimant": lambda: applicant.user,
        "reviewer": lambda: StaffFactory(reviewer=True).user,
        "staff of another centre": lambda: _outsider_of_another_centre(hall),
    }[who]()
    if user is not None:
        client.force_login(user)

    for action in ("claim-confirm", "claim-reject"):
        r = client.post(window_url(hall, action), {"ticket": claimed.pk})
        assert r.status_code == status
        if status == 302:
            assert "login" in r["Location"]

    assert Ticket.objects.values().get(pk=claimed.pk) == before
    assert AuditEntry.objects.count() == audit_before
    if user is not None:
        with pytest.raises(PermissionDeniedError):
            services.ticket_claim_confirm(ticket=claimed, staff=user)
        assert Ticket.objects.values().get(pk=claimed.pk) == before


def test_a_clerk_cannot_confirm_a_ticket_of_another_outlet_through_this_window(client, hall):
    other = OutletFactory(code="other-centre")
    QueueFactory(outlet=other, letter="V", name="绿色通道", is_green=True)
    there = services.ticket_take(outlet=other, priority=Priority.GREEN, green_reason="talent")
    client.force_login(on_duty(hall.green))
    for bad in (there.pk, "x", ""):
        assert client.post(window_url(hall, "claim-confirm"), {"ticket": bad}).status_code == 404
    there.refresh_from_db()
    assert (there.claim, there.priority) == (C.PENDING, 0)


# ---------------------------------------------------------------- signed-in applicants


def test_a_signed_in_person_over_sixty_is_verified_at_once(client, hall):
    applicant = ApplicantFactory(person__elderly=True)
    client.force_login(applicant.user)

    r = client.post("/hall/test-centre/take/", {"queue": "A", "green_reason": "elderly"})

    t = Ticket.objects.get()
    assert (t.number, t.claim, t.priority, t.person) == ("V001", C.VERIFIED, 2, applicant.person)
    assert t.virtual_at == t.arrived_at - GREEN_BONUS
    assert (t.claim_checked_by, t.claim_checked_at) == (None, t.arrived_at)
    assert t.claim_checker_label == "系统按登记信息核验"
    html = client.get(r["Location"]).content.decode()
    assert "已核验" in html and "按绿色通道优先叫号" in html
    assert applicant.person.id_number not in html
    entry = AuditEntry.objects.get(action="hall.ticket.take")
    assert (entry.actor, entry.data["claim"]) == (applicant.user.get_username(), "verified")


def test_a_signed_in_person_over_sixty_is_verified_at_once_through_the_api(client, hall):
    client.force_login(ApplicantFactory(person__elderly=True).user)
    body = client.post(
        TAKE_API, {"green_reason": "elderly"}, content_type="application/json"
    ).json()
    assert (body["priority"], body["priority_label"]) == ("green", "绿色通道")
    assert body["green_claim"]["status_label"] == "已核验"
    assert body["green_claim"]["message"] == "已核验，按绿色通道优先叫号。"


def test_a_signed_in_young_persons_elderly_claim_stays_ordinary(client, hall):
    applicant = ApplicantFactory(person__birth=dt.date(1995, 5, 5))
    client.force_login(applicant.user)

    r = client.post("/hall/test-centre/take/", {"queue": "A", "green_reason": "elderly"})

    t = Ticket.objects.get()
    assert (t.claim, t.priority, t.virtual_at) == (C.REJECTED, 0, t.arrived_at)
    assert (t.queue, t.number) == (hall.a, "A001")  # an ordinary ticket of the business chosen
    html = client.get(r["Location"]).content.decode()
    assert "未通过核验" in html
    assert "按身份证号计算未满60周岁，不适用老年人绿色通道，按普通号排队。" in html
    # The registries settled it: a clerk cannot override the ID number.
    with pytest.raises(Conflict):
        services.ticket_claim_confirm(ticket=t, staff=on_duty(hall.general))
    api = client.post(TAKE_API, {"green_reason": "elderly"}, content_type="application/json")
    assert (api.json()["priority"], api.json()["green_claim"]["status_label"]) == (
        "ordinary",
        "未通过核验",
    )


def test_the_elderly_threshold_is_checked_on_the_day_of_the_ticket(hall):
    sixty_tomorrow = PersonFactory(birth=dt.date(1966, 3, 3))
    sixty_today = PersonFactory(birth=dt.date(1966, 3, 2))
    young = claim(hall, "elderly", at=NOW, person=sixty_tomorrow)
    old = claim(hall, "elderly", at=NOW, person=sixty_today)
    assert (young.claim, young.priority) == (C.REJECTED, 0)
    assert (old.claim, old.priority, old.virtual_at) == (C.VERIFIED, 2, NOW - GREEN_BONUS)


def test_a_disability_claim_is_checked_against_the_registry(client, hall):
    registered = ApplicantFactory(person__disability_type="physical", person__disability_grade=2)
    client.force_login(registered.user)
    client.post("/hall/test-centre/take/", {"queue": "A", "green_reason": "disabled"})
    t = Ticket.objects.get(person=registered.person)
    assert (t.claim, t.priority, t.claim_note) == (
        C.VERIFIED,
        2,
        "已在残疾人登记信息中核验残疾人证",
    )

    unregistered = ApplicantFactory()
    client.force_login(unregistered.user)
    r = client.post("/hall/test-centre/take/", {"queue": "A", "green_reason": "disabled"})
    u = Ticket.objects.get(person=unregistered.person)
    # Not in the registry: ordinary, and the original certificate may still be shown.
    assert (u.claim, u.priority, u.virtual_at) == (C.PENDING, 0, u.arrived_at)
    html = client.get(r["Location"]).content.decode()
    assert "残疾人登记信息中未查到您的残疾人证" in html and "待核验" in html
    assert "肢体残疾" not in html
    services.ticket_claim_confirm(ticket=u, staff=on_duty(hall.green))
    u.refresh_from_db()
    assert (u.claim, u.priority) == (C.VERIFIED, 2)


def test_a_claim_the_registries_cannot_check_waits_for_a_clerk_even_when_signed_in(client, hall):
    client.force_login(ApplicantFactory(person__elderly=True).user)
    client.post("/hall/test-centre/take/", {"queue": "A", "green_reason": "military"})
    t = Ticket.objects.get()
    assert (t.claim, t.priority) == (C.PENDING, 0)


def test_a_staff_kiosk_does_not_check_claims_against_the_staff_member(client, hall):
    client.force_login(StaffFactory().user)
    client.post("/hall/test-centre/take/?kiosk=1", {"queue": "A", "green_reason": "elderly"})
    t = Ticket.objects.get()
    assert (t.claim, t.priority, t.person) == (C.PENDING, 0, None)


# ---------------------------------------------------------------- desk, screen, invariant


def test_the_green_desk_records_the_staff_member_who_checked_the_documents(hall):
    clerk = StaffFactory().user
    r = services.green_request_create(
        outlet=hall.outlet,
        service="priority",
        reason="pregnant",
        contact_name="李女士",
        issue_ticket=True,
        actor=clerk,
        now=NOW,
    )
    t = r.ticket
    assert (t.claim, t.priority, t.claim_checked_by, t.claim_checked_at) == (
        C.VERIFIED,
        2,
        clerk,
        NOW,
    )
    # Without a staff member behind it, the same request's ticket waits for a clerk.
    r = services.green_request_create(
        outlet=hall.outlet,
        service="priority",
        reason="pregnant",
        contact_name="王女士",
        issue_ticket=True,
        now=NOW,
    )
    assert (r.ticket.claim, r.ticket.priority) == (C.PENDING, 0)


def test_the_calling_screen_shows_the_claim_state_but_no_personal_data(client, hall):
    person = PersonFactory(elderly=True, disability_type="visual", disability_grade=1)
    services.ticket_take(
        outlet=hall.outlet, priority=Priority.GREEN, green_reason="disabled", person=person
    )
    staff = on_duty(hall.general)
    services.ticket_call_next(window=hall.general, staff=staff)

    html = client.get("/hall/test-centre/screen/calls/").content.decode()

    assert 'data-call="V001"' in html and "绿色通道·已核验" in html
    for private in (person.name, "残疾", "视力", "老年", person.id_number):
        assert private not in html


def test_the_database_refuses_a_green_priority_without_a_verified_claim(hall):
    t = claim(hall, "elderly", at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=t.pk).update(priority=Priority.GREEN)
    assert Ticket.objects.get(pk=t.pk).priority == 0
