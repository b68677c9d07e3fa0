"""Remote-window factories: a district centre's hall with a general queue, a counter
window that serves everything, and a remote window (远程虚拟窗口) for one matter; a resident
whose registry entry matches a synthetic ID card; the clerk, the clerk's department lead
(their supervisor), another department's lead, a stranger and an administrator."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import DepartmentFactory, MatterFactory
from tests.hall.factories import OutletFactory, QueueFactory, WindowFactory
from tests.people.factories import PersonFactory
from yishi.catalog.models import Department
from yishi.core.ocr_samples import synthetic_people
from yishi.core.roles import Role
from yishi.hall import services as hall
from yishi.hall.models import Outlet, Window
from yishi.remote import services
from yishi.remote.models import RemoteSession

CARD = synthetic_people(1, seed=11)[0]


def card_person(**overrides):
    """A registry entry that matches the synthetic card CARD (name, number, birth date)."""
    values = {
        "name": CARD["name"],
        "id_number": CARD["id_number"],
        "birth": dt.date.fromisoformat(CARD["birth_date"]),
        "gender": "M" if CARD["sex"] == "男" else "F",
    }
    values.update(overrides)
    return PersonFactory(**values)


def make_world() -> SimpleNamespace:
    centre = DepartmentFactory(
        code="LZH-ZWZX-T", name="梁子湖区政务服务中心", kind=Department.Kind.SERVICE_CENTRE
    )
    outlet = OutletFactory(code="remote-centre", name="梁子湖区政务服务中心", department=centre)
    general = QueueFactory(outlet=outlet, letter="A", name="综合受理", is_general=True)
    matter = MatterFactory(name="城乡居民养老保险参保登记")
    other_matter = MatterFactory(name="不动产登记查询")
    general.matters.add(matter, other_matter)
    counter = WindowFactory(outlet=outlet, number=1, kind=Window.Kind.GENERAL, serves_all=True)
    remote = WindowFactory(outlet=outlet, number=21, name="远程视频办理", kind=Window.Kind.REMOTE)
    remote.matters.add(matter)
    village = OutletFactory(code="remote-village", name="涂家垴镇张家村便民服务站")
    village.kind = Outlet.Kind.VILLAGE
    village.save(update_fields=["kind"])
    clerk = StaffFactory(service_centre=centre)
    clerk.user.first_name = "周远程"
    clerk.user.save(update_fields=["first_name"])
    counter_clerk = StaffFactory(service_centre=centre)
    other_clerk = StaffFactory(service_centre=centre)
    lead = StaffFactory(role=Role.DEPARTMENT_LEAD, department=clerk.department)
    other_lead = StaffFactory(role=Role.DEPARTMENT_LEAD)
    admin = StaffFactory(administrator=True)
    resident = ApplicantFactory(person=card_person())
    stranger = ApplicantFactory()
    return SimpleNamespace(
        centre=centre,
        outlet=outlet,
        queue=general,
        matter=matter,
        other_matter=other_matter,
        counter=counter,
        remote=remote,
        village=village,
        clerk=clerk,
        counter_clerk=counter_clerk,
        other_clerk=other_clerk,
        lead=lead,
        other_lead=other_lead,
        admin=admin,
        resident=resident,
        stranger=stranger,
    )


def take(w: SimpleNamespace, now=None, resident=None) -> RemoteSession:
    return services.remote_ticket_take(
        user=(resident or w.resident).user, matter=w.matter, point=w.village, now=now
    )


def live(w: SimpleNamespace, now=None) -> RemoteSession:
    """A remote ticket taken by the resident and called by the clerk at the remote window."""
    session = take(w, now=now)
    hall.window_sign_on(window=w.remote, staff=w.clerk.user, now=now)
    called = services.remote_call_next(window=w.remote, staff=w.clerk.user, now=now)
    assert called is not None and called.pk == session.pk
    return RemoteSession.objects.select_related("ticket", "person").get(pk=session.pk)
