"""Who may see and do what: every URL pattern and every API operation, probed as every role.

The table below (PROBES) gives, for each route, the roles that may use it under the access
policy of the issue; every other role must be refused. A route or API operation missing from
the table fails `test_every_route_and_api_operation_is_in_the_table`, so a new route cannot
ship without deciding who may use it.

The policy the table writes down:
- applicants see their own drafts and applications, and those of companies they are
  verified to act for; a pending claim on a company grants nothing (company-scoped pages and
  operations answer 404 to it);
- a window clerk sees the submitted applications of their service centre and works the
  outlets of that centre; a reviewer sees applications where their department has a sub-case;
  a supervisor reaches applications through their supervision tasks only; administrators see
  everything;
- files follow the rule of their record; a draft's files are its owner's alone;
- another person's eligibility, and the run results and payment lists that are made of it,
  need the policy-officer role (or administrator), and a stated purpose;
- the catalog, guides, themes, notices, licence verification and the hall's public pages
  are public.

How the table reads the policy where a route is not one record's: a page that is a role's
tool (a list, a form, a queue) is open to the role, and `leak` checks that it shows no record
outside the role's reach; the applicant's portal pages are for applicant accounts (an
administrator works from the workbench and the API, where they see everything); the people
API also asks for Django's model permissions, which every staff member of the world holds.

Judging a response: 401, 403, 404 and a redirect to a login page refuse; anything else below
500 (a page, a redirect elsewhere, or a 400/409/422 because the probe's body did not pass the
checks that come after access was granted) lets through. A 5xx always fails. A refused write
must also have changed nothing (the rows that decide access and state are compared before and
after); a list must not show a record to a role outside its rule (`leak`); a company-scoped
route answers exactly 404 to a pending claim.

Differences between this table and the code that are known and reported live in KNOWN: each
one is expected to differ (and shows as xfail); once fixed, the test fails until the entry
is removed.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.access_world import ROLES, build_world, describe
from yishi.cases.models import Application, CaseMaterial, SubCase
from yishi.core.errors import DomainError
from yishi.credit.models import Commitment, CommitmentItem, CreditRecord, CreditRepair
from yishi.enterprise.models import PackageRun, ServiceRequest, ShareConsent
from yishi.hall.models import Appointment, GreenChannelRequest, Ticket, WindowSession
from yishi.hall.services import window_sign_on
from yishi.licences.models import Licence
from yishi.people.models import ApplicantAccount, Company, CompanyAgent, Person
from yishi.policies.models import Grant, Objection, Run
from yishi.supervision.models import SupervisionTask

# The table answers the same on both databases and builds a large world: it runs once, in the
# PostgreSQL pass of `make test` (as the other heavy suites do), to keep CI's two passes short.
pytestmark = pytest.mark.postgres

# ---------------------------------------------------------------- access classes

ALL = frozenset(ROLES)
PUBLIC = ALL
SIGNED_IN = ALL - {"anon"}
APPLICANTS = frozenset({"applicant", "other_applicant", "agent_verified", "agent_unverified"})
STAFF = SIGNED_IN - APPLICANTS
OWNER = frozenset({"applicant"})  # the owner's own record, in the applicant's portal
FOR_COMPANY = frozenset({"applicant", "agent_verified"})  # the company's legal rep and agent
WINDOW_ANY = frozenset({"clerk_here", "clerk_there", "admin"})
WINDOW_HERE = frozenset({"clerk_here", "admin"})
REVIEWER_ANY = frozenset({"reviewer_here", "reviewer_there", "admin"})
REVIEWER_HERE = frozenset({"reviewer_here", "admin"})
SUPERVISOR_ANY = frozenset({"supervisor", "supervisor_here", "admin"})
SUPERVISOR_HERE = frozenset({"supervisor_here", "admin"})
POLICY_STAFF = frozenset({"policy_officer", "admin"})
ADMIN = frozenset({"admin"})
NOBODY = frozenset()
WAITING = {"number": "waiting"}  # the application waiting at the counter
# Who sees the accepted application (the company's, handled at the district centre, with a
# running sub-case in reviewer_here's department).
SEES_APPLICATION = FOR_COMPANY | {"clerk_here", "reviewer_here", "admin"}
# Commitments are followed up by window staff and overseen by credit supervisors
# (yishi.credit: 监管人员 decide repairs district-wide); a clerk only at their own centre.
CREDIT_STAFF = frozenset({"clerk_here", "supervisor", "supervisor_here", "admin"})
# 帮办代办: who sees the world's request (about department b) and who opens the console.
ASSIST_CLERKS = WINDOW_ANY | {"reviewer_here"}
ASSIST_CONSOLE = WINDOW_ANY | {"reviewer_here", "reviewer_there"}
# 即申即享: who sees the world's policy application on the workbench.
POLICY_APPLICATION_STAFF = frozenset({"clerk_here", "policy_officer", "admin"})


# ---------------------------------------------------------------- the table

A = "/api/v1"


@dataclass(frozen=True)
class Probe:
    """One request against one route. `path`, `data` and `leak` are templates filled from
    the world's values (tests.access_world.describe)."""

    key: str  # the route's name ("workbench:application") or "METHOD /api/v1/…" operation
    method: str
    path: str
    ok: frozenset[str]
    data: Any = None
    as_json: bool = False
    variant: str = ""
    # (value that must not appear in the response, roles allowed to see it)
    leak: tuple[str, frozenset[str]] | None = None
    api: bool = False
    args: tuple[tuple[str, str], ...] = ()
    # Sign the role on at the world's window first, where the role may (calling needs it).
    on_duty: bool = False

    @property
    def company_scoped(self) -> bool:
        """Open to the company's verified agent but not to every applicant."""
        return "agent_verified" in self.ok and "agent_unverified" not in self.ok

    @property
    def id(self) -> str:
        name = self.key if self.api else f"{self.method} {self.key}"
        return f"{name}[{self.variant}]" if self.variant else name


def page(key, path, ok, *, method="GET", data=None, variant="", leak=None) -> Probe:
    return Probe(key, method, path, frozenset(ok), data, False, variant, leak)


def post(key, path, ok, data=None, **kw) -> Probe:
    return page(key, path, ok, method="POST", data=data if data is not None else {}, **kw)


def op(
    method, route, ok, *, query="", body=None, variant="", leak=None, args=None, on_duty=False
) -> Probe:
    """An API operation named by its OpenAPI route; POST sends `body` (default `{}`) as JSON.
    `args` names the world value a path parameter takes when not the default (API_PARAMS)."""
    if method == "POST" and body is None:
        body = {}
    path = f"{A}{route}" + (f"?{query}" if query else "")
    return Probe(
        f"{method} {A}{route}",
        method,
        path,
        frozenset(ok),
        body,
        True,
        variant,
        leak,
        api=True,
        args=tuple(sorted((args or {}).items())),
        on_duty=on_duty,
    )


PROBES: list[Probe] = [
    # ------------------------------------------------------------ public portal
    page("portal:home", "/", PUBLIC),
    page("portal:search", "/matters/?q=测试", PUBLIC),
    page("portal:guide", "/matters/{matter}/", PUBLIC),
    page("portal:notice", "/matters/{matter}/notice/", PUBLIC),
    page("portal:notice_pdf", "/matters/{matter}/notice.pdf", PUBLIC),
    page("portal:topic", "/topics/{topic}/", PUBLIC),
    page("portal:department", "/departments/{department}/", PUBLIC),
    page("portal:themes", "/themes/", PUBLIC),
    page("portal:theme", "/themes/{theme}/", PUBLIC),
    page("portal:theme_notice", "/themes/{theme}/notice/", PUBLIC),
    page("portal:theme_notice_pdf", "/themes/{theme}/notice.pdf", PUBLIC),
    # 掌上办 (yishi/portal/pwa.py): the installable app and the 掌上可办 list are public.
    page("pwa_manifest", "/manifest.webmanifest", PUBLIC),
    page("pwa_service_worker", "/sw.js", PUBLIC),
    page("offline", "/offline/", PUBLIC),
    page("mobile", "/mobile/", PUBLIC),
    page("mobile", "/mobile/?topic=1&department=1", PUBLIC, variant="filtered"),
    page("licences:verify", "/licences/verify/?number={licence}", PUBLIC),
    page("licences:verify_number", "/licences/verify/{licence}/", PUBLIC),
    page("hall_public:outlets", "/hall/", PUBLIC),
    page("hall_public:ticket", "/hall/ticket/{token}/", PUBLIC),  # the token is the key
    page("hall_public:ticket_status", "/hall/ticket/{token}/status/", PUBLIC),
    page("hall_public:take", "/hall/{outlet}/take/", PUBLIC),
    post("hall_public:take", "/hall/{outlet}/take/", PUBLIC, {"queue": "A"}),
    page("hall_public:check_in", "/hall/{outlet}/check-in/", PUBLIC),
    page("hall_public:poster", "/hall/{outlet}/poster/", PUBLIC),
    post("hall_public:check_in", "/hall/{outlet}/check-in/", PUBLIC, {"code": "{appointment}"}),
    page("hall_public:screen", "/hall/{outlet}/screen/", PUBLIC),
    page("hall_public:screen_calls", "/hall/{outlet}/screen/calls/", PUBLIC),
    page("hall_public:book", "/hall/{outlet}/book/", SIGNED_IN),
    post("hall_public:book", "/hall/{outlet}/book/", SIGNED_IN, {"slot": "{slot_id}"}),
    page("service_map:index", "/map/", PUBLIC),
    # ------------------------------------------------------------ accounts
    page("account:register", "/account/register/", PUBLIC),
    post("account:register", "/account/register/", PUBLIC),
    page("account:login", "/account/login/", PUBLIC),
    post("account:login", "/account/login/", PUBLIC),
    page("account:reset", "/account/reset/", PUBLIC),
    post("account:reset", "/account/reset/", PUBLIC),
    post("account:logout", "/account/logout/", PUBLIC),
    page("account:home", "/account/", SIGNED_IN),
    page("account:companies", "/account/companies/", SIGNED_IN),
    post("account:companies", "/account/companies/", SIGNED_IN),
    page("account:data_access", "/account/data-access/", APPLICANTS),
    # ------------------------------------------------------------ applicant portal
    page("credit_portal:home", "/account/credit/", APPLICANTS),
    page("credit_portal:home", "/account/credit/?company={uscc}", FOR_COMPANY, variant="company"),
    post("credit_portal:home", "/account/credit/", APPLICANTS, {"statement": "已整改"}),
    page("policies_portal:home", "/account/policies/", APPLICANTS),
    page("policies_portal:company", "/account/policies/company/", FOR_COMPANY),
    post(
        "policies_portal:grant_action",
        "/account/policies/grants/{grant_id}/decline/",
        OWNER,
        {"reason": "不需要"},
    ),
    post(
        "policies_portal:grant_action",
        "/account/policies/grants/{company_grant_id}/decline/",
        FOR_COMPANY,
        {"reason": "不需要"},
        variant="company",
    ),
    page("licences:mine", "/licences/mine/", APPLICANTS, leak=("{licence}", OWNER)),
    page("licences:download", "/licences/mine/{licence}/pdf/", OWNER),
    # Starting an application: any signed-in user gets the page; only an applicant account
    # gets a draft (staff are told so, 400, and nothing is saved).
    page("apply:theme", "/apply/theme/{theme}/", SIGNED_IN),
    post("apply:theme", "/apply/theme/{theme}/", SIGNED_IN),
    page("apply:matter", "/apply/matter/{matter}/", SIGNED_IN),
    post("apply:matter", "/apply/matter/{matter}/", SIGNED_IN),
    # A draft is its owner's alone.
    page("apply:answers", "/apply/draft/{draft_id}/answers/", OWNER),
    post("apply:answers", "/apply/draft/{draft_id}/answers/", OWNER),
    page("apply:form", "/apply/draft/{draft_id}/form/", OWNER),
    post("apply:form", "/apply/draft/{draft_id}/form/", OWNER),
    post("apply:recognise", "/apply/draft/{draft_id}/recognise/", OWNER),
    page("apply:materials", "/apply/draft/{draft_id}/materials/", OWNER),
    post("apply:materials", "/apply/draft/{draft_id}/materials/", OWNER),
    page("apply:review", "/apply/draft/{draft_id}/review/", OWNER),
    post("apply:review", "/apply/draft/{draft_id}/review/", OWNER),
    page("apply:my", "/apply/my/", SIGNED_IN, leak=("{number}", FOR_COMPANY)),
    page("apply:detail", "/apply/my/{number}/", FOR_COMPANY),
    post("apply:detail", "/apply/my/{number}/", OWNER, {"action": "read"}),
    # ------------------------------------------------------------ workbench
    page("workbench:home", "/workbench/", STAFF),
    page(
        "workbench:applications",
        "/workbench/applications/",
        WINDOW_ANY,
        leak=("{waiting}", WINDOW_HERE),
    ),
    page("workbench:walk_in", "/workbench/applications/new/", WINDOW_ANY),
    post("workbench:walk_in", "/workbench/applications/new/", WINDOW_ANY),
    page("workbench:application", "/workbench/applications/{waiting}/", WINDOW_HERE),
    page("workbench:application", "/workbench/applications/{draft}/", ADMIN, variant="draft"),
    post("workbench:application_action", "/workbench/applications/{waiting}/accept/", WINDOW_HERE),
    page(
        "workbench:subcases", "/workbench/subcases/", REVIEWER_ANY, leak=("{number}", REVIEWER_HERE)
    ),
    page("workbench:subcase", "/workbench/subcases/{subcase_id}/", REVIEWER_HERE),
    post(
        "workbench:subcase_action",
        "/workbench/subcases/{subcase_id}/approve/",
        REVIEWER_HERE,
        {"result_name": "准予许可决定书"},
    ),
    # Staff download files here; applicants download theirs from their own pages.
    page(
        "workbench:material_file",
        "/workbench/files/{material_id}/",
        {"clerk_here", "reviewer_here", "supervisor_here", "admin"},
    ),
    page(
        "workbench:material_file", "/workbench/files/{draft_material_id}/", NOBODY, variant="draft"
    ),
    page("workbench:deadlines", "/workbench/deadlines/", SUPERVISOR_ANY),
    # My second factor: every staff account's own (no device in the world: enrolment shows;
    # the probe's posts carry no valid code and change nothing).
    page("workbench:security", "/workbench/security/", STAFF),
    post("workbench:security_enrol", "/workbench/security/enrol/", STAFF, {"token": "000000"}),
    post("workbench:security_recovery", "/workbench/security/recovery-codes/", STAFF),
    post("workbench:security_remove", "/workbench/security/remove/", STAFF, {"token": "000000"}),
    page("workbench:security_verify", "/workbench/security/verify/", STAFF),
    # One's own sessions: the list is every staff member's; a session is ended only by its
    # owner (the world's other session of clerk_here; 404 to every other staff member).
    page("workbench:security_sessions", "/workbench/security/sessions/", STAFF),
    post(
        "workbench:security_session_end",
        "/workbench/security/sessions/{staff_session_id}/end/",
        {"clerk_here"},
    ),
    post(
        "workbench:security_sessions_end_others", "/workbench/security/sessions/end-others/", STAFF
    ),
    page("workbench:company_claims", "/workbench/company-claims/", WINDOW_ANY),
    post("workbench:company_claim_new", "/workbench/company-claims/new/", WINDOW_ANY),
    post(
        "workbench:company_claim_action",
        "/workbench/company-claims/{agent_id}/confirm/",
        WINDOW_ANY,
    ),
    # ------------------------------------------------------------ workbench: credit
    # The list of open items is a tool of every clerk, but of their own centre's items.
    page(
        "credit:commitments",
        "/workbench/credit/",
        CREDIT_STAFF | {"clerk_there"},
        leak=("{number}", CREDIT_STAFF),
    ),
    page("credit:commitment", "/workbench/credit/commitments/{commitment_id}/", CREDIT_STAFF),
    post(
        "credit:item_fulfil",
        "/workbench/credit/commitments/{commitment_id}/items/{item_id}/fulfil/",
        WINDOW_HERE,
    ),
    page("credit:accept", "/workbench/credit/applications/{waiting}/accept/", WINDOW_HERE),
    post(
        "credit:accept",
        "/workbench/credit/applications/{waiting}/accept/",
        WINDOW_HERE,
        {"signed": "yes", "items": ["{site_matter}:{site_material}"]},
    ),
    page("credit:repairs", "/workbench/credit/repairs/", SUPERVISOR_ANY),
    post(
        "credit:repair_decide",
        "/workbench/credit/repairs/{repair_id}/decide/",
        SUPERVISOR_ANY,
        {"decision": "approve", "note": "整改到位"},
    ),
    # ------------------------------------------------------------ workbench: supervision
    # A reviewer asking for the task list is sent on to 监管反馈 (a redirect, not a refusal).
    page(
        "supervision:tasks",
        "/workbench/supervision/",
        SUPERVISOR_ANY | REVIEWER_ANY,
        leak=("{number}", SUPERVISOR_HERE),
    ),
    page("supervision:feedback", "/workbench/supervision/feedback/", REVIEWER_ANY),
    page("supervision:task", "/workbench/supervision/{task_id}/", SUPERVISOR_HERE),
    post(
        "supervision:task_result",
        "/workbench/supervision/{task_id}/result/",
        SUPERVISOR_HERE,
        {"result": "compliant"},
    ),
    # ------------------------------------------------------------ workbench: hall
    page("hall:index", "/workbench/hall/", WINDOW_ANY),
    page("hall:window", "/workbench/hall/windows/{window_id}/", WINDOW_HERE),
    page("hall:window_waiting", "/workbench/hall/windows/{window_id}/waiting/", WINDOW_HERE),
    post("hall:window_action", "/workbench/hall/windows/{window_id}/sign-on/", WINDOW_HERE),
    page("hall:dashboard", "/workbench/hall/{outlet}/dashboard/", WINDOW_HERE),
    page("hall:green", "/workbench/hall/{outlet}/green/", WINDOW_HERE),
    post(
        "hall:green",
        "/workbench/hall/{outlet}/green/",
        WINDOW_HERE,
        {"action": "assign", "request": "{green_id}"},
    ),
    # ------------------------------------------------------------ workbench: policies
    page("policies:list", "/workbench/policies/", STAFF),
    page(
        "policies:detail", "/workbench/policies/{policy}/", STAFF, leak=("{objector}", POLICY_STAFF)
    ),
    post("policies:detail", "/workbench/policies/{policy}/", ADMIN, {"period": "2026-04"}),
    page("policies:run", "/workbench/policies/runs/{run_id}/", POLICY_STAFF),
    page("policies:run_payments", "/workbench/policies/runs/{run_id}/payments.xlsx", POLICY_STAFF),
    post(
        "policies:objection_resolve",
        "/workbench/policies/objections/{objection_id}/resolve/",
        POLICY_STAFF,
        {"resolution": "经核实档次无误"},
    ),
    # ------------------------------------------------------------ API documents
    page("api:openapi-json", "/api/openapi.json", PUBLIC),
    page("api:openapi-view", "/api/docs", PUBLIC),
    page("api:api-root", "/api/", NOBODY),  # django-ninja's root: nothing there, 404 to all
    # ------------------------------------------------------------ browser reports
    # Content-Security-Policy violations: any browser posts them, signed in or not (a form
    # body is no report: 400 to everyone).
    post("csp_report", "/csp-report/", PUBLIC),
    # ------------------------------------------------------------ load balancers, Prometheus
    # yishi.core.probes: liveness and readiness are public (no account on a load balancer;
    # states only, no figures to strangers). /metrics is decided by address or token, not by
    # role: the test client calls from 127.0.0.1, inside the default YISHI_METRICS_ALLOW, so
    # every role gets it here; tests/core/test_metrics.py covers the refusals (404).
    page("healthz", "/healthz", PUBLIC),
    page("readyz", "/readyz", PUBLIC),
    page("metrics", "/metrics", PUBLIC),
    # ------------------------------------------------------------ API: cases
    op(
        "POST",
        "/applications",
        APPLICANTS,
        body={"theme": "{theme}", "form_data": {"name": "张三"}},
    ),
    op("GET", "/applications", SIGNED_IN, leak=("{number}", SEES_APPLICATION)),
    op("GET", "/applications/{number}", SEES_APPLICATION),
    op("GET", "/applications/{number}", OWNER | ADMIN, variant="draft", args={"number": "draft"}),
    op("POST", "/applications/{number}/accept", WINDOW_HERE, args=WAITING),
    op(
        "POST",
        "/applications/{number}/supplement",
        WINDOW_HERE,
        body={"items": ["身份证复印件"], "note": ""},
        args=WAITING,
    ),
    # The accepted application has no open supplement: those allowed get 409.
    op("POST", "/applications/{number}/supplement-provided", {"applicant", "clerk_here", "admin"}),
    op(
        "POST",
        "/applications/{number}/refuse",
        WINDOW_HERE,
        body={"reason": "材料不全"},
        args=WAITING,
    ),
    op("GET", "/subcases", SIGNED_IN, leak=("{number}", REVIEWER_HERE)),
    op(
        "POST",
        "/subcases/{subcase_id}/approve",
        REVIEWER_HERE,
        body={"result_name": "准予许可决定书"},
    ),
    op("POST", "/subcases/{subcase_id}/refuse", REVIEWER_HERE, body={"reason": "不符合条件"}),
    op(
        "POST",
        "/subcases/{subcase_id}/supplement",
        REVIEWER_HERE,
        body={"items": ["场地证明"], "note": ""},
    ),
    # ------------------------------------------------------------ API: catalog, calendar
    op("GET", "/matters", PUBLIC),
    op("GET", "/matters/{code}", PUBLIC),
    op("GET", "/regions", PUBLIC),
    op("GET", "/departments", PUBLIC),
    op("GET", "/topics", PUBLIC),
    op("GET", "/search", PUBLIC, query="q=出生"),
    op("GET", "/calendar/add-working-days", PUBLIC, query="start=2026-03-02&days=5"),
    op("GET", "/calendar/working-days", PUBLIC, query="start=2026-03-02&end=2026-03-31"),
    op("GET", "/calendar/days", PUBLIC, query="year=2026&month=3"),
    # No image sent: a signed-in caller is told so (422).
    op("POST", "/recognise/id-card", SIGNED_IN),
    op("POST", "/recognise/business-licence", SIGNED_IN),
    # ------------------------------------------------------------ API: credit
    op("GET", "/credit/me", APPLICANTS),
    op("GET", "/credit/me", FOR_COMPANY, query="company={uscc}", variant="company"),
    op(
        "POST",
        "/applications/{number}/commitment",
        OWNER,
        body={"items": [{"matter_id": "{site_matter}", "material_id": "{site_material}"}]},
        args=WAITING,
    ),
    op("GET", "/commitments/{commitment_id}", CREDIT_STAFF | SEES_APPLICATION),
    op("POST", "/commitments/{commitment_id}/items/{item_id}/fulfil", WINDOW_HERE),
    op("GET", "/commitments/{commitment_id}/verify", CREDIT_STAFF | SEES_APPLICATION),
    op("POST", "/credit/repairs", APPLICANTS, body={"statement": "已补交材料并完成整改"}),
    op(
        "POST",
        "/credit/repairs/{repair_id}/decide",
        SUPERVISOR_ANY,
        body={"approve": True, "note": "整改到位"},
    ),
    # ------------------------------------------------------------ API: people
    # Registering persons and companies: the counter (any centre) and administrators.
    op("POST", "/persons", WINDOW_ANY, body={"name": "李四", "id_number": "{new_id_number}"}),
    op(
        "POST",
        "/persons/lookup",
        {"clerk_here", "clerk_there", "policy_officer", "admin"},
        body={"id_number": "{stranger_id_number}", "purpose": "核验身份"},
    ),
    op("POST", "/companies", WINDOW_ANY, body={"name": "鄂州测试有限公司", "uscc": "{new_uscc}"}),
    op("POST", "/validate/id-number", PUBLIC, body={"value": "{new_id_number}"}),
    op("POST", "/validate/credit-code", PUBLIC, body={"value": "{new_uscc}"}),
    op("POST", "/validate/mobile", PUBLIC, body={"value": "13800138000"}),
    op("POST", "/sms-codes", PUBLIC, body={"phone": "13800138000", "purpose": "register"}),
    op("POST", "/applicants", PUBLIC),
    op("GET", "/me", APPLICANTS),
    op("GET", "/my/data-access", APPLICANTS),
    # Tokens for apps (yishi/people/api_tokens.py): anyone may try; a bad credential is 4xx.
    op("POST", "/auth/token", PUBLIC, body={"phone": "13800138000", "password": "x"}),
    op("POST", "/auth/refresh", PUBLIC, body={"refresh_token": "not-a-token"}),
    op("POST", "/auth/revoke", PUBLIC, body={"refresh_token": "not-a-token"}),
    # ------------------------------------------------------------ API: themes
    op("GET", "/themes", PUBLIC),
    op("GET", "/themes/{code}", PUBLIC),
    op("POST", "/themes/{code}/notice", PUBLIC, body={"answers": {}}),
    op("GET", "/themes/{code}/notice.pdf", PUBLIC),
    # ------------------------------------------------------------ API: supervision
    op("GET", "/supervision/tasks", SIGNED_IN, leak=("{number}", SUPERVISOR_HERE)),
    op("GET", "/supervision/tasks/{task_id}", SUPERVISOR_HERE),
    op(
        "POST", "/supervision/tasks/{task_id}/result", SUPERVISOR_HERE, body={"result": "compliant"}
    ),
    # ------------------------------------------------------------ API: licences
    op("GET", "/licences", SIGNED_IN, leak=("{licence}", OWNER)),
    op("GET", "/licences/{number}/verify", PUBLIC),
    op("POST", "/licences/import", WINDOW_ANY),  # an empty document: 422 for those allowed
    # ------------------------------------------------------------ API: policies
    op("GET", "/policies", PUBLIC),
    op("GET", "/policies/{code}", PUBLIC),
    op(
        "POST",
        "/rules/validate",
        SIGNED_IN,
        body={"subject": "person", "rule": {"field": "age", "op": "ge", "value": 60}},
    ),
    op(
        "POST",
        "/policies/{code}/eligibility",
        POLICY_STAFF,
        body={"identifier": "{stranger_id_number}", "purpose": "核查资格"},
    ),
    op(
        "POST",
        "/policies/{code}/eligibility",
        OWNER | POLICY_STAFF,
        body={"identifier": "{own_id_number}", "purpose": "核查资格"},
        variant="own",
    ),
    op(
        "POST",
        "/policies/{code}/eligibility",
        FOR_COMPANY | POLICY_STAFF,
        body={"identifier": "{uscc}", "purpose": "核查资格"},
        variant="company",
        args={"code": "company_policy"},
    ),
    op("GET", "/policies/{code}/runs", STAFF),
    op("POST", "/policies/{code}/runs", ADMIN, body={"period": "2026-04"}),
    op("GET", "/policy-runs/{run_id}", POLICY_STAFF),
    op("GET", "/my/grants", APPLICANTS),
    op("GET", "/my/grants", FOR_COMPANY, query="company={uscc}", variant="company"),
    op("POST", "/my/grants/{grant_id}/decline", OWNER, body={"reason": "不需要"}),
    op(
        "POST",
        "/my/grants/{grant_id}/decline",
        FOR_COMPANY,
        body={"reason": "不需要"},
        variant="company",
        args={"grant_id": "company_grant_id"},
    ),
    op("POST", "/my/grants/{grant_id}/contest", OWNER, body={"reason": "档次有误"}),
    # ------------------------------------------------------------ API: hall
    op("GET", "/hall/outlets", PUBLIC),
    op("GET", "/hall/outlets/nearest", PUBLIC, query="lat=30.1&lng=114.55&limit=5"),
    op("POST", "/hall/outlets/{code}/tickets", PUBLIC, body={"queue": "A"}),
    op("GET", "/hall/tickets/{token}", PUBLIC),
    op("POST", "/hall/windows/{window_id}/call-next", WINDOW_HERE, on_duty=True),
    op("GET", "/hall/outlets/{code}/slots", PUBLIC, query="matter={matter}&day={slot_day}"),
    op("POST", "/hall/appointments", SIGNED_IN, body={"slot": "{slot_id}"}),
    op("GET", "/hall/appointments", SIGNED_IN, leak=("{appointment}", OWNER)),
    op("POST", "/hall/appointments/{code}/cancel", OWNER),
    # Check-in is the kiosk's: the booking code is the key (tomorrow's booking: 422).
    op("POST", "/hall/appointments/{code}/check-in", PUBLIC),
    # ------------------------------------------------------------ 好差评 (yishi.ratings)
    page("ratings:stats", "/ratings/stats/", PUBLIC),
    page("ratings:application", "/ratings/application/{number}/accept/", FOR_COMPANY),
    post(
        "ratings:application",
        "/ratings/application/{number}/accept/",
        FOR_COMPANY,
        {"level": "5"},
    ),
    page("ratings:signed", "/ratings/s/{rating_link}/", PUBLIC),  # the signature is the key
    page("ratings:ticket", "/ratings/ticket/{token}/", PUBLIC),  # the token is the key
    post("ratings:ticket", "/ratings/ticket/{token}/", PUBLIC, {"level": "5"}),
    page("ratings:tablet", "/ratings/tablet/{token}/", PUBLIC),
    page("ratings:portal", "/ratings/portal/", SIGNED_IN),
    post("ratings:portal", "/ratings/portal/", SIGNED_IN, {"level": "4"}),
    page("ratings_staff:followups", "/workbench/ratings/", SUPERVISOR_ANY),
    page("ratings_staff:followup", "/workbench/ratings/followups/{followup}/", SUPERVISOR_ANY),
    post(
        "ratings_staff:followup",
        "/workbench/ratings/followups/{followup}/",
        ADMIN,
        {"action": "visit", "outcome": "已电话回访"},
    ),
    op(
        "POST",
        "/ratings",
        FOR_COMPANY,
        body={
            "target": {"kind": "application", "ref": "{number}"},
            "stage": "complete",
            "level": 5,
        },
    ),
    op(
        "POST",
        "/ratings",
        PUBLIC,
        body={"target": {"kind": "ticket", "ref": "{token}"}, "stage": "service", "level": 5},
        variant="ticket",
    ),
    op("GET", "/ratings/stats", PUBLIC, query="department={department}"),
    op("GET", "/rating-followups", SUPERVISOR_ANY),
    # ------------------------------------------------------------ 办不成事反映 (reports)
    page("reports:new", "/reports/new/", PUBLIC),
    post(
        "reports:new",
        "/reports/new/",
        PUBLIC,
        {
            "obstacle": "where",
            "tried": "办证",
            "description": "不知道去哪办",
            "phone": "13900001234",
        },
    ),
    page("reports:poster", "/reports/poster/?outlet={outlet}", PUBLIC),
    page("reports:mine", "/reports/mine/", SIGNED_IN, leak=("{report_number}", OWNER)),
    page("reports:link", "/reports/r/{report_token}/", PUBLIC),  # the signed token is the key
    post("reports:link_rate", "/reports/r/{report_token}/rate/", PUBLIC, {"satisfaction": "4"}),
    page("reports:walks", "/reports/walks/", NOBODY),
    page("reports:walk_new", "/reports/walks/new/", NOBODY),
    post("reports:walk_new", "/reports/walks/new/", NOBODY, {"kind": "experience"}),
    page("reports_staff:list", "/workbench/reports/", WINDOW_ANY, leak=("{report_number}", ADMIN)),
    page("reports_staff:new", "/workbench/reports/new/", WINDOW_ANY),
    post(
        "reports_staff:new",
        "/workbench/reports/new/",
        WINDOW_ANY,
        {"obstacle": "where", "tried": "办证", "description": "代为登记", "phone": "13900001235"},
    ),
    page("reports_staff:report", "/workbench/reports/{report_id}/", ADMIN),
    post(
        "reports_staff:answer",
        "/workbench/reports/{report_id}/answer/",
        ADMIN,
        {"answer": "正在办"},
    ),
    post(
        "reports_staff:resolve",
        "/workbench/reports/{report_id}/resolve/",
        ADMIN,
        {"resolution": "已办好"},
    ),
    post(
        "reports_staff:improve",
        "/workbench/reports/{report_id}/improve/",
        ADMIN,
        {"kind": "process", "change": "精简", "department": "{department}"},
    ),
    page("reports_staff:improvements", "/workbench/reports/improvements/", ADMIN),
    post(
        "reports_staff:improvement_progress",
        "/workbench/reports/improvements/{improvement_id}/progress/",
        ADMIN,
        {"status": "in_progress"},
    ),
    page("reports_staff:walks", "/workbench/reports/walks/", ADMIN),
    page("reports_staff:walk_new", "/workbench/reports/walks/new/", ADMIN),
    post(
        "reports_staff:walk_new", "/workbench/reports/walks/new/", ADMIN, {"kind": "director_day"}
    ),
    page("reports_staff:walk", "/workbench/reports/walks/{walk_id}/", ADMIN),
    page("reports_staff:officers", "/workbench/reports/officers/", ADMIN),
    post("reports_staff:officers", "/workbench/reports/officers/", ADMIN, {"phone": "13900009999"}),
    op(
        "POST",
        "/reports",
        PUBLIC,
        body={"obstacle": "where", "tried": "办证", "description": "x", "phone": "13900001236"},
    ),
    op("GET", "/reports", SIGNED_IN, leak=("{report_number}", OWNER | ADMIN)),
    op("GET", "/reports/{report_id}", OWNER | ADMIN),
    op("POST", "/reports/{report_id}/answer", ADMIN, body={"answer": "正在办"}),
    op("POST", "/reports/{report_id}/resolve", ADMIN, body={"resolution": "已办好"}),
    op("POST", "/reports/{report_id}/rating", OWNER, body={"satisfaction": 4}),
    op(
        "POST",
        "/reports/{report_id}/improvements",
        ADMIN,
        body={"kind": "process", "change": "精简", "department": "{department}"},
    ),
    op("GET", "/report-improvements", SIGNED_IN, leak=("精简材料", ADMIN)),
    op(
        "POST",
        "/report-improvements/{improvement_id}/progress",
        ADMIN,
        body={"status": "in_progress"},
    ),
    op("GET", "/walks", SIGNED_IN, leak=("全程走一遍", ADMIN)),
    op(
        "POST",
        "/walks",
        ADMIN,
        body={
            "kind": "director_day",
            "walked_on": "2026-03-02",
            "steps": "x",
            "minutes": 5,
            "matter": "{matter}",
        },
    ),
    # ------------------------------------------------------------ 帮办代办 (portal)
    page("assist:home", "/assist/", PUBLIC),
    post("assist:home", "/assist/", PUBLIC, {"channel": "chat", "question": "怎么办理？"}),
    page("assist:request", "/assist/{assist_request}/", OWNER),
    post(
        "assist:request", "/assist/{assist_request}/", OWNER, {"action": "message", "body": "你好"}
    ),
    page("assist:authorisation", "/assist/authorisations/{assist_authorisation}/", OWNER),
    post(
        "assist:authorisation",
        "/assist/authorisations/{assist_authorisation}/",
        OWNER,
        {"action": "confirm", "agree": "on"},
    ),
    # ------------------------------------------------------------ 帮办代办 (workbench)
    page(
        "assist_staff:console",
        "/workbench/assist/",
        ASSIST_CONSOLE,
        leak=('data-row="assist-{assist_request}"', ASSIST_CLERKS),
    ),
    post("assist_staff:console", "/workbench/assist/", WINDOW_ANY, {"question": "老人办社保卡"}),
    page("assist_staff:request", "/workbench/assist/{assist_request}/", ASSIST_CLERKS),
    post(
        "assist_staff:request",
        "/workbench/assist/{assist_request}/",
        ASSIST_CLERKS,
        {"action": "message", "body": "您好"},
    ),
    page("assist_staff:stats", "/workbench/assist/stats/", STAFF),
    page("assist_staff:authorisations", "/workbench/assist/authorisations/", WINDOW_ANY),
    post(
        "assist_staff:authorisations",
        "/workbench/assist/authorisations/",
        WINDOW_ANY,
        {"phone": "13700000000", "all_matters": "on"},
    ),
    page(
        "assist_staff:authorisation",
        "/workbench/assist/authorisations/{assist_authorisation}/",
        WINDOW_ANY,
    ),
    post(
        "assist_staff:authorisation",
        "/workbench/assist/authorisations/{assist_authorisation}/",
        WINDOW_ANY,
        {"action": "submit", "draft": "0"},
    ),
    # ------------------------------------------------------------ API: 帮办代办
    op("GET", "/assist/stats", STAFF),
    op("GET", "/assist/stats", STAFF, query="from=2026-01-01&to=2026-12-31", variant="period"),
    op("GET", "/assist/requests", APPLICANTS | ASSIST_CONSOLE),
    op("POST", "/assist/requests", APPLICANTS, body={"channel": "chat", "question": "怎么办理？"}),
    op(
        "POST",
        "/assist/requests/{request_id}/messages",
        OWNER | ASSIST_CLERKS,
        body={"body": "你好"},
        args={"request_id": "assist_request"},
    ),
    # 跨域通办 (yishi.exchange): staff see the cases their role reaches (a window clerk those
    # received at their centre, a reviewer those their department decides); the inbox is
    # open to anyone — the SM2 signature decides, and the probe's `{}` is refused 422.
    page(
        "exchange_staff:list",
        "/workbench/exchange/",
        WINDOW_ANY | REVIEWER_ANY,
        leak=("{number}", REVIEWER_HERE),
    ),
    page("exchange_staff:detail", "/workbench/exchange/{crossing}/", REVIEWER_HERE),
    # 异地代收代办 at our counter: window staff; 全程网办 for a partner's matter: any signed-in
    # account, as the ordinary online application (apply:matter).
    page("exchange_staff:counter", "/workbench/exchange/counter/", WINDOW_ANY),
    post("exchange_staff:counter", "/workbench/exchange/counter/", WINDOW_ANY),
    page("exchange_apply:online", "/apply/exchange/{offer}/", SIGNED_IN),
    post("exchange_apply:online", "/apply/exchange/{offer}/", SIGNED_IN),
    post("exchange_staff:action", "/workbench/exchange/{crossing}/supplement/", REVIEWER_HERE),
    op("POST", "/exchange/inbox", PUBLIC),
    op("GET", "/exchange/identity", PUBLIC),
    # ------------------------------------------------------------ 培训考核 (yishi.training)
    page("training:home", "/workbench/training/", STAFF),
    page("training:course", "/workbench/training/courses/{course}/", STAFF),
    page("training:exam", "/workbench/training/exams/{exam}/", STAFF),
    post("training:exam", "/workbench/training/exams/{exam}/", STAFF),
    page("training:attempt", "/workbench/training/attempts/{attempt}/", {"clerk_here"}),
    post(
        "training:attempt",
        "/workbench/training/attempts/{attempt}/",
        {"clerk_here"},
        {"q1": "0"},
    ),
    page("training:certificates", "/workbench/training/certificates/", STAFF),
    page("training:assessment", "/workbench/training/assessment/", STAFF),
    page("training:team", "/workbench/training/team/", ADMIN),
    page("training:guides", "/workbench/training/guides/", STAFF),
    post("training:guides_generate", "/workbench/training/guides/generate/", ADMIN),
    page("training:guide", "/workbench/training/guides/{guide}/", STAFF),
    page("training:guide_edit", "/workbench/training/guides/{guide}/edit/", ADMIN),
    post(
        "training:guide_edit",
        "/workbench/training/guides/{guide}/edit/",
        ADMIN,
        {"body": "修订后的工作指引正文", "note": "权限测试"},
    ),
    op("GET", "/training/certificates", STAFF),
    op("GET", "/training/assessment", STAFF, query="month=2026-03"),
    # ------------------------------------------------------------ workbench: stats
    page("stats:index", "/workbench/stats/", ADMIN),
    page("stats:department", "/workbench/stats/departments/{stats_department}/", ADMIN),
    page("stats:matter", "/workbench/stats/matters/{stats_matter}/", ADMIN),
    page("stats:export", "/workbench/stats/export.xlsx", ADMIN),
    page("stats:screen", "/workbench/stats/screen/", ADMIN),
    page("stats_public:screen", "/stats/screen/", PUBLIC),  # the hall TV: today's counts only
    # ------------------------------------------------------------ API: stats
    op("GET", "/stats/summary", ADMIN, query="from=2026-03-01&to=2026-03-31"),
    # 企业服务 (yishi.companies): 一企一码 and the published seal keys are public; the
    # company's e-seal page and its signed documents are the company's own.
    page(
        "companies:page",
        "/companies/{uscc}/",
        PUBLIC,
        leak=('data-section="grants"', FOR_COMPANY | POLICY_STAFF),
    ),
    page("companies:qr", "/companies/{uscc}/qr.png", PUBLIC),
    page("companies:seal", "/companies/{uscc}/seal/", FOR_COMPANY),
    post(
        "companies:seal",
        "/companies/{uscc}/seal/",
        FOR_COMPANY,
        {"action": "sign", "kind": "form", "title": "", "text": "内容"},
    ),
    page(
        "companies:document_pdf",
        "/companies/{uscc}/documents/{sealed_document}/pdf/",
        FOR_COMPANY,
    ),
    op("GET", "/seals", PUBLIC),
    op("GET", "/seals", PUBLIC, query="limit=1&offset=1", variant="page"),
    op("GET", "/companies/{uscc}/public", PUBLIC),
    # 即申即享 (yishi.policies.applications) and the 惠企政策服务台 (yishi.assist.desk)
    page("policies_portal:policy", "/account/policies/p/{apply_policy}/", APPLICANTS),
    page(
        "policies_portal:policy",
        "/account/policies/p/{apply_policy}/?company={uscc}",
        FOR_COMPANY,
        variant="company",
    ),
    post(
        "policies_portal:policy",
        "/account/policies/p/{apply_policy}/?company={uscc}",
        FOR_COMPANY,
        {"company": "{uscc}"},
    ),
    page(
        "policies_portal:application",
        "/account/policies/applications/{policy_application_id}/",
        FOR_COMPANY,
    ),
    post(
        "policies_portal:application",
        "/account/policies/applications/{policy_application_id}/",
        OWNER,
    ),
    page(
        "policies:detail",
        "/workbench/policies/{apply_policy}/",
        STAFF,
        variant="applications",
        leak=("{applying_company}", POLICY_STAFF),
    ),
    page(
        "policies:application_payments",
        "/workbench/policies/{apply_policy}/applications.xlsx",
        POLICY_STAFF,
    ),
    page(
        "policies:application",
        "/workbench/policies/applications/{policy_application_id}/",
        POLICY_APPLICATION_STAFF,
    ),
    post(
        "policies:application",
        "/workbench/policies/applications/{policy_application_id}/",
        POLICY_STAFF,
        {"action": "pay", "reference": ""},
    ),
    op(
        "POST",
        "/policies/{code}/applications",
        FOR_COMPANY,
        body={"company": "{uscc}", "form_data": {}},
        args={"code": "apply_policy"},
    ),
    op("GET", "/my/policy-applications", APPLICANTS),
    op(
        "GET",
        "/my/policy-applications",
        FOR_COMPANY,
        query="company={uscc}",
        variant="company",
    ),
    op("GET", "/policy-applications/{pa_id}", FOR_COMPANY | POLICY_APPLICATION_STAFF),
    page("assist:desk", "/assist/desk/", APPLICANTS),
    post(
        "assist:desk",
        "/assist/desk/",
        APPLICANTS,
        {"kind": "policy_consult", "question": "怎么申报？"},
    ),
    post(
        "assist:desk",
        "/assist/desk/",
        FOR_COMPANY,
        {"company": "{uscc}", "kind": "general", "question": "怎么申报？"},
        variant="company",
    ),
    # 远程虚拟窗口 (tests/remote/route_probes.py)
    page("remote:home", "/remote/", PUBLIC),
    post("remote:home", "/remote/", APPLICANTS, {"matter": "no-such-matter"}),
    page("remote:session", "/remote/{remote_session}/", OWNER),
    post("remote:session", "/remote/{remote_session}/", OWNER, {"action": "none"}),
    page("remote:status", "/remote/{remote_session}/status/", OWNER),
    page("remote_staff:console", "/workbench/remote/", WINDOW_ANY),
    post("remote_staff:console", "/workbench/remote/", WINDOW_ANY, {"action": "none"}),
    page("remote_staff:session", "/workbench/remote/{remote_session}/", {"clerk_here"}),
    post(
        "remote_staff:session",
        "/workbench/remote/{remote_session}/",
        {"clerk_here"},
        {"action": "none"},
    ),
    post(
        "remote_staff:recording_upload",
        "/workbench/remote/{remote_session}/recording/",
        {"clerk_here"},
        {},
    ),
    page("remote_staff:recordings", "/workbench/remote/recordings/", NOBODY),
    page("remote_staff:recording", "/workbench/remote/recordings/{remote_recording}/", NOBODY),
    page(
        "remote_staff:recording_media",
        "/workbench/remote/recordings/{remote_recording}/media/",
        NOBODY,
    ),
    op("GET", "/remote/matters", PUBLIC),
    op("POST", "/remote/tickets", APPLICANTS, body={"matter": "no-such-matter"}),
    op(
        "GET",
        "/remote/sessions/{session_id}",
        {"applicant", "clerk_here"},
        args={"session_id": "remote_session"},
    ),
    # 跨域通办: the pickup shelf (取件架) and the 多地联办 application
    page(
        "exchange_staff:shelf",
        "/workbench/exchange/shelf/",
        WINDOW_ANY,
        leak=("{pickup_code}", WINDOW_HERE),
    ),
    post(
        "exchange_staff:shelf_action",
        "/workbench/exchange/shelf/{pickup}/handover/",
        WINDOW_HERE,
    ),
    page("exchange_apply:joint", "/apply/exchange/joint/{joint_theme}/", SIGNED_IN),
    post("exchange_apply:joint", "/apply/exchange/joint/{joint_theme}/", SIGNED_IN),
    # 企业一类事与增值服务 (yishi.enterprise): packages and offers are public; runs and
    # service requests are the company's own; provider routes are for provider accounts
    # only (none of the world's roles; see tests/enterprise/test_zone_access.py).
    page("enterprise:packages", "/enterprise/", PUBLIC),
    page("enterprise:package", "/enterprise/p/{package}/", PUBLIC),
    post(
        "enterprise:package",
        "/enterprise/p/{package}/",
        FOR_COMPANY,
        {"company": "{uscc}", "picked": "1"},
    ),
    page("enterprise:run", "/enterprise/runs/{package_run}/", FOR_COMPANY),
    page("enterprise:zone", "/enterprise/zone/", PUBLIC),
    page("enterprise:offer", "/enterprise/zone/o/{enterprise_offer}/", PUBLIC),
    post(
        "enterprise:offer",
        "/enterprise/zone/o/{enterprise_offer}/",
        FOR_COMPANY,
        {"company": "{uscc}", "message": "长" * 1001},
    ),
    page("enterprise:request", "/enterprise/requests/{service_request}/", FOR_COMPANY),
    post(
        "enterprise:request",
        "/enterprise/requests/{service_request}/",
        FOR_COMPANY,
        {"action": "rate", "rating": "9"},
    ),
    page("providers:inbox", "/providers/", NOBODY),
    page("providers:request", "/providers/requests/{service_request}/", NOBODY),
    post("providers:request", "/providers/requests/{service_request}/", NOBODY, {"answer": "可以"}),
    op("GET", "/packages", PUBLIC),
    op("GET", "/packages/{code}", PUBLIC, args={"code": "package"}),
    op("POST", "/packages/{code}/notice", PUBLIC, args={"code": "package"}),
    op(
        "POST",
        "/packages/{code}/runs",
        FOR_COMPANY,
        body={"company": "{uscc}", "modules": []},
        args={"code": "package"},
    ),
    op("GET", "/package-runs/{run_id}", FOR_COMPANY, args={"run_id": "package_run"}),
    op("GET", "/offers", PUBLIC),
    op(
        "POST",
        "/service-requests",
        FOR_COMPANY,
        body={"offer": "{enterprise_offer}", "company": "{uscc}", "message": "长" * 1001},
    ),
    op(
        "GET", "/service-requests/{request_id}", FOR_COMPANY, args={"request_id": "service_request"}
    ),
    op(
        "POST",
        "/service-requests/{request_id}/consent",
        FOR_COMPANY,
        body={"fields": ["id_number"]},
        args={"request_id": "service_request"},
    ),
    op(
        "POST",
        "/service-requests/{request_id}/rating",
        FOR_COMPANY,
        body={"rating": 9},
        args={"request_id": "service_request"},
    ),
    op("GET", "/provider/requests", NOBODY),
    op("GET", "/provider/requests/{request_id}", NOBODY, args={"request_id": "service_request"}),
    op(
        "POST",
        "/provider/requests/{request_id}/answer",
        NOBODY,
        body={"answer": "可以"},
        args={"request_id": "service_request"},
    ),
    op(
        "POST",
        "/service-requests/{request_id}/consent/revoke",
        FOR_COMPANY,
        args={"request_id": "service_request_unshared"},
    ),
    # 数据治理 (yishi.governance): the chief data officer's and data officers' pages (admin
    # here), the clerk's one-click report from a case, the public open data.
    page("governance:home", "/workbench/governance/", ADMIN),
    post("governance:run", "/workbench/governance/run/", ADMIN),
    page("governance:catalog", "/workbench/governance/catalog/", ADMIN),
    page("governance:finding", "/workbench/governance/findings/{gov_finding}/", ADMIN),
    post(
        "governance:finding_action",
        "/workbench/governance/findings/{gov_finding}/verify/",
        ADMIN,
    ),
    post(
        "governance:report",
        "/workbench/governance/report/{number}/",
        frozenset({"clerk_here", "reviewer_here", "admin"}),
        {"subject": ""},
    ),
    page("governance:requests", "/workbench/governance/requests/", ADMIN),
    post("governance:requests", "/workbench/governance/requests/", ADMIN, {"dataset": ""}),
    page("governance:request", "/workbench/governance/requests/{gov_request}/", ADMIN),
    post(
        "governance:request",
        "/workbench/governance/requests/{gov_request}/",
        ADMIN,
        {"action": "refuse", "answer": ""},
    ),
    page("governance:request_file", "/workbench/governance/requests/{gov_request}/file/", ADMIN),
    page("open_data:index", "/open-data/", PUBLIC),
    page("open_data:csv", "/open-data/{gov_open}/rows.csv", PUBLIC),
    page("open_data:json", "/open-data/{gov_open}/rows.json", PUBLIC),
    op("GET", "/open-data", PUBLIC),
    op("GET", "/governance/scores", ADMIN),
    op(
        "GET",
        "/governance/requests/{request_id}/rows",
        ADMIN,
        args={"request_id": "gov_api_request"},
    ),
]

# Which world value an API route's path parameter takes where it differs from the
# parameter's own name (a probe's `args` may name another).
API_PARAMS: dict[str, dict[str, str]] = {
    "/policy-applications/{pa_id}": {"pa_id": "policy_application_id"},
    "/matters/{code}": {"code": "matter"},
    "/themes/{code}": {"code": "theme"},
    "/themes/{code}/notice": {"code": "theme"},
    "/themes/{code}/notice.pdf": {"code": "theme"},
    "/licences/{number}/verify": {"number": "licence"},
    "/policies/{code}": {"code": "policy"},
    "/policies/{code}/eligibility": {"code": "policy"},
    "/policies/{code}/runs": {"code": "policy"},
    "/hall/outlets/{code}/tickets": {"code": "outlet"},
    "/hall/outlets/{code}/slots": {"code": "outlet"},
    "/hall/appointments/{code}/cancel": {"code": "appointment"},
    "/hall/appointments/{code}/check-in": {"code": "appointment"},
}

# ---------------------------------------------------------------- known differences


KNOWN: dict[tuple[str, str], str] = {
    # (probe id, role) → why the code differs from the table, while it does: a case listed
    # here must keep differing, and fails with "remove it from KNOWN" once the code follows.
}


# ---------------------------------------------------------------- judging


def _fill(template: Any, values: dict[str, Any]) -> Any:
    if isinstance(template, str):
        whole = re.fullmatch(r"\{(\w+)\}", template)
        if whole and whole.group(1) in values:
            return values[whole.group(1)]  # keeps ints as ints in JSON bodies
        return template.format_map(values)
    if isinstance(template, dict):
        return {k: _fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, values) for v in template]
    return template


def _api_values(probe: Probe, values: dict[str, Any]) -> dict[str, Any]:
    route = probe.key.split(" ", 1)[1].removeprefix(A)
    renamed = {**API_PARAMS.get(route, {}), **dict(probe.args)}
    return {**values, **{param: values[source] for param, source in renamed.items()}}


LOGIN_PAGES = ("/admin/login/", "/account/login/")


def verdict(response) -> str:
    status = response.status_code
    if status >= 500:
        return f"error {status}"
    if status in (401, 403, 404):
        return "deny"
    if status in (301, 302, 303, 307, 308) and response["Location"].startswith(LOGIN_PAGES):
        return "deny"
    return "ok"


# The rows whose change a refused write must not cause: model → the columns compared.
WATCHED = (
    (Application, ("status", "first_owner_id", "applicant_id")),
    (SubCase, ("status",)),
    (CaseMaterial, ("stored_file_id",)),
    (Commitment, ("status",)),
    (CommitmentItem, ("fulfilled_at",)),
    (CreditRecord, ("repaired_by_id",)),
    (CreditRepair, ("status",)),
    (Grant, ("status",)),
    (Objection, ("status",)),
    (Run, ()),
    (Licence, ("status",)),
    (ServiceRequest, ("state", "rating", "answer")),
    (ShareConsent, ("revoked_at",)),
    (PackageRun, ()),
    (Ticket, ("status", "priority")),
    (Appointment, ("status",)),
    (WindowSession, ("ended_at",)),
    (GreenChannelRequest, ("status", "assigned_to_id")),
    (CompanyAgent, ("verified_at", "revoked_at")),
    (SupervisionTask, ("status",)),
    (Person, ()),
    (Company, ()),
    (ApplicantAccount, ()),
)


def state_of_world() -> dict[str, list]:
    return {
        model.__name__: list(model.objects.order_by("pk").values_list("pk", *columns))
        for model, columns in WATCHED
    }


def _changes(before: dict[str, list], after: dict[str, list]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module inside a transaction that is rolled back at its end; each
    test runs in a savepoint of it (pytest-django's `db`), so no probe sees another's writes."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media)),
        transaction.atomic(),
    ):
        w = build_world()
        w.values = describe(w)
        # One session per role, made here so that it outlives each test's savepoint.
        w.sessions = {}
        for role, user in w.users.items():
            if user is not None:
                login = Client()
                login.force_login(user)
                w.sessions[role] = login.cookies[settings.SESSION_COOKIE_NAME].value
        yield w
        transaction.set_rollback(True)


def _pdf_stub(*args: Any, **kwargs: Any) -> bytes:
    return b"%PDF-1.4 stub"


@pytest.fixture(scope="module", autouse=True)
def _quick_pdfs():
    """Writing a notice PDF takes most of a second and decides nothing about access: the
    probes get a stub (tests/portal and tests/themes test the real documents)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("yishi.portal.views.notice_pdf", _pdf_stub)
        patch.setattr("yishi.portal.views.theme_notice_pdf", _pdf_stub)
        patch.setattr("yishi.themes.api.theme_notice_pdf", _pdf_stub)
        yield


def _request(client: Client, probe: Probe, values: dict[str, Any]):
    if probe.api:
        values = _api_values(probe, values)
    path = _fill(probe.path, values)
    data = _fill(probe.data, values)
    if probe.method == "GET":
        return path, client.get(path)
    if probe.as_json:
        return path, client.post(path, data=data, content_type="application/json")
    return path, client.post(path, data=data)


CASES = [pytest.param(probe, role, id=f"{probe.id} · {role}") for probe in PROBES for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("probe", "role"), CASES)
def test_route_answers_each_role_as_the_table_says(world, probe: Probe, role: str):
    client = Client()
    user = world.users[role]
    if user is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
        if probe.on_duty:
            with contextlib.suppress(DomainError):  # a role that may not sign on stays off
                window_sign_on(window=world.window, staff=user)
    expected = "ok" if role in probe.ok else "deny"
    write = probe.method != "GET"
    before = state_of_world() if write and expected == "deny" else None
    try:
        path, response = _request(client, probe, world.values)
    except Exception as exc:  # a view that raises is a server error, whatever the role
        pytest.fail(f"{probe.method} {probe.path} as {role} raised {exc!r}")
    got = verdict(response)
    assert not got.startswith("error"), f"{probe.method} {path} as {role}: {got}"
    if got == "deny" and before is not None:
        changed = _changes(before, state_of_world())
        assert not changed, f"{probe.method} {path} refused {role} but changed {changed}"

    problem = ""
    if role == "agent_unverified" and probe.company_scoped and response.status_code != 404:
        # A pending claim learns nothing about the company, not even that it is refused.
        problem = f"a company-scoped route answers {response.status_code}, not 404"
    elif got != expected:
        location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
        problem = f"expected {expected}, got {response.status_code} {location}".rstrip()
    elif probe.leak is not None and role not in probe.leak[1]:
        secret = str(_fill(probe.leak[0], world.values))
        if secret in response.content.decode("utf-8", "replace"):
            problem = f"shows {secret} (allowed: {', '.join(sorted(probe.leak[1]))})"
    known = KNOWN.get((probe.id, role))
    if known is not None:
        assert problem, f"{probe.id} as {role} now follows the table: remove it from KNOWN"
        pytest.xfail(f"{known} — {problem}")
    assert not problem, f"{probe.method} {path} as {role}: {problem}"


# ---------------------------------------------------------------- completeness


def _url_patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = ":".join(n for n in (namespace, pattern.namespace or "") if n)
            yield from _url_patterns(pattern, route, ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield route, name


# Routes outside the table on purpose: Django's admin has its own permission system, media
# files are served in development only, and the /api/ catch-all only answers 404.
SKIPPED = (re.compile(r"^admin/"), re.compile(r"^\^media/"), re.compile(r"^\^api/$"))


def _api_route(route: str) -> str:
    """`api/v1/applications/<number>` → `/api/v1/applications/{number}` (OpenAPI's form)."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_every_route_and_api_operation_is_in_the_table():
    from yishi.api import api

    keys = {probe.key for probe in PROBES}
    operations = {
        f"{method.upper()} {path}"
        for path, methods in api.get_openapi_schema()["paths"].items()
        for method in methods
    }
    schema_paths = {key.split(" ", 1)[1] for key in operations}
    missing, unnamed, unknown_api = [], [], []
    seen_pages = set()
    for route, name in _url_patterns(get_resolver()):
        if any(skip.match(route) for skip in SKIPPED):
            continue
        if route.startswith("api/v1/"):
            # An API operation: the schema below covers it, method by method.
            if _api_route(route) not in schema_paths:
                unknown_api.append(route)
            continue
        if not name:
            unnamed.append(route)
            continue
        seen_pages.add(name)
        if name not in keys:
            missing.append(f"{name} ({route})")
    missing += sorted(operations - keys)
    stale = sorted(k for k in keys - operations - seen_pages)
    assert not unnamed, f"routes without a name cannot be in the table: {unnamed}"
    assert not unknown_api, f"API routes the OpenAPI schema does not list: {unknown_api}"
    assert not missing, f"routes and operations missing from PROBES: {missing}"
    assert not stale, f"PROBES entries naming no route or operation: {stale}"
    ids = {probe.id for probe in PROBES}
    unknown = sorted(k for k in KNOWN if k[0] not in ids or k[1] not in ROLES)
    assert not unknown, f"KNOWN entries naming no probe or role: {unknown}"


@pytest.mark.django_db
def test_each_probe_reaches_the_route_it_names(world):
    """A probe's path resolves to the route of its key (a typo would test another route)."""
    wrong = []
    for probe in PROBES:
        values = _api_values(probe, world.values) if probe.api else world.values
        path = _fill(probe.path, values).split("?", 1)[0]
        match = resolve(path)
        reached = f"{probe.method} {_api_route(match.route)}" if probe.api else match.view_name
        if reached != probe.key:
            wrong.append(f"{probe.id} → {reached}")
    assert not wrong, wrong
