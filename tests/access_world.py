"""The world the route-by-role test (tests/test_routes_by_role.py) probes: one of every record
a route can name, owned so that each role stands in a known relation to it, and one user per
role. Built once per test module through the real services where they exist.

The relations, from the issue's access policy:
- `applicant` owns the accepted application (filed for the company they represent), a second
  application still waiting at the counter, a draft, grants, a licence, a queue ticket and an
  appointment; `other_applicant` owns nothing of that.
- `agent_verified` acts for the company with every scope; `agent_unverified` has only a
  pending claim on it (which grants nothing: company-scoped pages answer 404).
- `clerk_here` works at the district's service centre, where the applications are handled and
  the outlet is; `clerk_there` at another centre.
- `reviewer_here` belongs to a department with a running sub-case of the accepted
  application; `reviewer_there` to one without.
- `supervisor` belongs to a department with no supervision task; `supervisor_here` to the
  department that supervises the accepted application's approved matter.
- `policy_officer` belongs to the department granting the policies; `admin` holds the
  administrator role (through its group, not as a Django superuser).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.test import Client
from django.utils import timezone

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import DepartmentFactory, RegionFactory, TopicFactory
from tests.credit.factories import ACCEPT_DAY, item, make_commitment_theme
from tests.hall.factories import OutletFactory, QueueFactory, WindowFactory
from tests.licences.factories import issue
from tests.people.factories import CompanyAgentFactory, CompanyFactory, PersonFactory
from tests.policies.factories import PolicyFactory
from yishi.cases import drafts
from yishi.cases.models import Application, CaseMaterial, SubCase
from yishi.cases.services import application_submit, subcase_approve
from yishi.catalog.models import Department
from yishi.core.events import events_dispatch
from yishi.core.models import StaffSession
from yishi.core.synthetic import make_ric, make_uscc
from yishi.core.uploads import store_upload
from yishi.credit.commitments import commitment_accept
from yishi.credit.models import CreditRecord, CreditRepair
from yishi.hall import services as hall
from yishi.hall.models import AppointmentSlot, GreenChannelRequest, Ticket, Window
from yishi.people.models import CompanyAgent
from yishi.policies.models import Grant, SubjectKind
from yishi.policies.services import grant_contest, policy_run
from yishi.supervision.models import SupervisionTask

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PERIOD = "2026-03"

ROLES = (
    "anon",
    "applicant",
    "other_applicant",
    "agent_verified",
    "agent_unverified",
    "clerk_here",
    "clerk_there",
    "reviewer_here",
    "reviewer_there",
    "supervisor",
    "supervisor_here",
    "policy_officer",
    "admin",
)


def _centre(code: str, region: str, region_name: str) -> Department:
    return DepartmentFactory(
        code=code,
        name=f"{region_name}政务服务中心",
        kind=Department.Kind.SERVICE_CENTRE,
        region=RegionFactory(code=region, name=region_name),
    )


def _file(application: Application, kind: str = "id_card") -> CaseMaterial:
    return CaseMaterial.objects.create(
        application=application,
        kind=kind,
        name="居民身份证",
        stored_file=store_upload(name="身份证.pdf", data=PDF),
        source="upload",
    )


def build_world() -> SimpleNamespace:
    """Every record and user the probes name; see the module docstring for the relations."""
    w = SimpleNamespace()
    w.district = _centre("LZH-ZWZX", "420702", "梁子湖区")
    w.other_centre = _centre("EC-ZWZX", "420704", "鄂城区")

    # The chain theme A → B → C, D with commitment flags; matter A supervised.
    chain = make_commitment_theme()
    w.chain = chain
    w.theme = chain["theme"]
    w.supervising = DepartmentFactory(name="梁子湖区市场监督管理局")
    matter_a = chain["matters"]["a"]
    matter_a.supervised = True
    matter_a.supervising_department = w.supervising
    matter_a.supervision_days = 20
    matter_a.save()
    w.matter = matter_a
    w.policy_department = DepartmentFactory(name="梁子湖区民政局")

    # Applicants and the company.
    w.owner = ApplicantFactory()
    w.other = ApplicantFactory()
    w.agent = ApplicantFactory()
    w.claimant = ApplicantFactory()
    w.stranger = PersonFactory()  # in the registry, without an account
    w.company = CompanyFactory(rep=w.owner.person)
    CompanyAgentFactory(company=w.company, person=w.owner.person, legal_rep=True, verified=True)
    w.agency = CompanyAgentFactory(company=w.company, person=w.agent.person, verified=True)
    w.claim = CompanyAgentFactory(company=w.company, person=w.claimant.person)
    assert w.claim.state == CompanyAgent.State.PENDING

    # Staff.
    w.clerk_here = StaffFactory(service_centre=w.district)
    w.clerk_there = StaffFactory(service_centre=w.other_centre)
    w.reviewer_a = StaffFactory(reviewer=True, department=chain["departments"]["a"])
    w.reviewer_here = StaffFactory(reviewer=True, department=chain["departments"]["b"])
    w.reviewer_there = StaffFactory(reviewer=True, department=DepartmentFactory())
    w.supervisor = StaffFactory(supervisor=True, department=DepartmentFactory())
    w.supervisor_here = StaffFactory(supervisor=True, department=w.supervising)
    w.policy_officer = StaffFactory(policy_officer=True, department=w.policy_department)
    w.admin = StaffFactory(administrator=True)
    w.topic = TopicFactory()

    # The accepted application: the company's, accepted at the counter with a commitment to
    # bring the site proof later; matter A approved (which opens the supervision task), so
    # matter B's sub-case (department b) is running.
    submitted = application_submit(
        user=w.owner.user,
        theme=w.theme,
        answers={},
        form_data={"name": w.owner.person.name},
        company=w.company,
    )
    w.commitment = commitment_accept(
        application=submitted,
        staff=w.clerk_here.user,
        signer=w.owner.user,
        items=[item(chain, "a_site")],
        today=ACCEPT_DAY,
    )
    w.commitment_item = w.commitment.items.get()
    w.app = Application.objects.get(pk=submitted.pk)
    assert w.app.status == Application.Status.ACCEPTED
    assert w.app.service_centre_id == w.district.pk
    subcase_a = w.app.subcases.get(matter=matter_a)
    subcase_approve(subcase=subcase_a, reviewer=w.reviewer_a.user, result_name="结果A")
    events_dispatch()
    w.task = SupervisionTask.objects.get(subcase=subcase_a)
    w.subcase = w.app.subcases.get(matter=chain["matters"]["b"])
    assert w.subcase.status == SubCase.Status.PENDING
    w.app_file = _file(w.app)

    # An application waiting at the counter (submitted, not accepted), and a draft with a file.
    w.waiting = application_submit(
        user=w.owner.user, theme=w.theme, answers={}, form_data={"name": w.owner.person.name}
    )
    w.draft = drafts.draft_save(user=w.owner.user, theme=w.theme, answers={})
    w.draft_file = _file(w.draft)

    # Credit: a broken promise of the other applicant and their repair request (the owner's
    # record stays clean, so that a commitment may be signed for their applications).
    w.broken = CreditRecord.objects.create(
        person=w.other.person,
        kind=CreditRecord.Kind.BROKEN,
        reason="逾期未补交经营场所证明",
        occurred_on=ACCEPT_DAY,
    )
    w.repair = CreditRepair.objects.create(
        person=w.other.person, applicant=w.other.user, statement="已补交材料并完成整改"
    )
    w.repair.records.add(w.broken)

    # Policies: a person policy every adult meets and a company policy of the district, run
    # once; the other applicant contests their grant (an open objection).
    w.policy = PolicyFactory(
        department=w.policy_department, rule={"field": "age", "op": "ge", "value": 18}
    )
    w.company_policy = PolicyFactory(
        department=w.policy_department,
        subject=SubjectKind.COMPANY,
        rule={"field": "region_code", "op": "eq", "value": "420702"},
    )
    w.run = policy_run(policy=w.policy, period=PERIOD)
    policy_run(policy=w.company_policy, period=PERIOD)
    w.grant = Grant.objects.get(policy=w.policy, person=w.owner.person)
    w.company_grant = Grant.objects.get(policy=w.company_policy, company=w.company)
    w.objection = grant_contest(
        grant=Grant.objects.get(policy=w.policy, person=w.other.person),
        user=w.other.user,
        reason="档次有误",
    )

    # A licence of the owner.
    w.licence = issue(holder=w.owner.person)

    # The hall: the district centre's outlet, a window, the owner's ticket and appointment,
    # a green-channel request.
    w.outlet = OutletFactory(code="world-hall", name="梁子湖区政务服务中心大厅")
    w.outlet.department = w.district
    w.outlet.save(update_fields=["department"])
    queue = QueueFactory(outlet=w.outlet, letter="A", name="综合受理", is_general=True)
    w.window = WindowFactory(outlet=w.outlet, number=1, kind=Window.Kind.GENERAL, serves_all=True)
    w.ticket = hall.ticket_take(
        outlet=w.outlet,
        queue=queue,
        person=w.owner.person,
        channel=Ticket.Channel.PHONE,
        actor=w.owner.user,
    )
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    w.slot = AppointmentSlot.objects.create(
        outlet=w.outlet,
        matter=matter_a,
        starts_at=timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(10, 0))),
        capacity=5,
    )
    w.appointment = hall.appointment_book(user=w.owner.user, slot=w.slot, person=w.owner.person)
    w.green = hall.green_request_create(
        outlet=w.outlet,
        service=GreenChannelRequest.Service.ACCOMPANY,
        reason=GreenChannelRequest.Reason.MILITARY,
        contact_name="王军",
        actor=w.clerk_here.user,
    )

    # Another signed-in session of clerk_here's (a second browser), which only they may end.
    Client().force_login(w.clerk_here.user)
    w.staff_session = StaffSession.objects.filter(user=w.clerk_here.user).latest("pk")

    w.users = {
        "anon": None,
        "applicant": w.owner.user,
        "other_applicant": w.other.user,
        "agent_verified": w.agent.user,
        "agent_unverified": w.claimant.user,
        "clerk_here": w.clerk_here.user,
        "clerk_there": w.clerk_there.user,
        "reviewer_here": w.reviewer_here.user,
        "reviewer_there": w.reviewer_there.user,
        "supervisor": w.supervisor.user,
        "supervisor_here": w.supervisor_here.user,
        "policy_officer": w.policy_officer.user,
        "admin": w.admin.user,
    }
    assert set(w.users) == set(ROLES)
    return w


def describe(w: Any) -> dict[str, Any]:
    """The values the probes fill into paths, query strings and bodies, by name. The apps
    that keep their part of the world beside their tests (tests/<app>/route_probes.py) make
    their records here, once per world."""
    from tests.assist.route_probes import assist_world
    from tests.companies.route_probes import companies_world
    from tests.enterprise.route_probes import enterprise_world
    from tests.exchange.route_probes import exchange_world
    from tests.governance.route_probes import governance_world
    from tests.policies.route_probes import policies_world
    from tests.ratings.route_probes import ratings_world
    from tests.remote.route_probes import remote_world
    from tests.reports.route_probes import reports_world
    from tests.stats.route_probes import stats_world
    from tests.training.route_probes import training_world

    values = _core_values(w)
    for app_world in (
        ratings_world,
        reports_world,
        assist_world,
        exchange_world,
        training_world,
        stats_world,
        companies_world,
        policies_world,
        remote_world,
        enterprise_world,
        governance_world,
    ):
        values.update(app_world(w))
    return values


def _core_values(w: Any) -> dict[str, Any]:
    site = w.chain["materials"]["a_site"]
    return {
        "number": w.app.number,
        "waiting": w.waiting.number,
        "draft": w.draft.number,
        "draft_id": w.draft.pk,
        "subcase_id": w.subcase.pk,
        "material_id": w.app_file.pk,
        "draft_material_id": w.draft_file.pk,
        "commitment_id": w.commitment.pk,
        "item_id": w.commitment_item.pk,
        "site_matter": site.matter_id,
        "site_material": site.pk,
        "repair_id": w.repair.pk,
        "run_id": w.run.pk,
        "objection_id": w.objection.pk,
        "objector": w.other.person.name,
        "beneficiary": w.owner.person.name,
        "grant_id": w.grant.pk,
        "company_grant_id": w.company_grant.pk,
        "policy": w.policy.code,
        "company_policy": w.company_policy.code,
        "licence": w.licence.number,
        "outlet": w.outlet.code,
        "window_id": w.window.pk,
        "token": str(w.ticket.token),
        "appointment": w.appointment.code,
        "slot_id": w.slot.pk,
        "slot_day": timezone.localdate(w.slot.starts_at).isoformat(),
        "green_id": w.green.pk,
        "task_id": w.task.pk,
        "agent_id": w.claim.pk,
        "theme": w.theme.code,
        "matter": w.matter.code,
        "department": w.chain["departments"]["a"].code,
        "topic": w.topic.code,
        "uscc": w.company.uscc,
        "own_id_number": w.owner.person.id_number,
        "stranger_id_number": w.stranger.id_number,
        "new_id_number": make_ric("420702", dt.date(1985, 5, 5), seq=977),
        "new_uscc": make_uscc("420702", seq=977),
        "staff_session_id": w.staff_session.pk,
    }
