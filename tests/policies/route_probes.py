"""What tests/test_routes_by_role.py needs for the 即申即享 routes of the policies app (this
file is not collected as tests).

`policies_world(w)`: on the world of tests/access_world.py, a 即申即享 company policy of the
policy officer's department, claimed through a company matter of that department; the
owner applied for it for the world's company (verified legal representative) and clerk_here
accepted it, so its sub-case runs in the policy department. Returns the values the paths use.

The policy the rows below write down (yishi.policies.applications):
- the policy page (eligibility explained, prefilled form, FAQ) is for applicant accounts; with
  `?company=` only for those verified to act for that company in applications (404 to anyone
  else, a pending claim included); staff get 403 (they work from the workbench);
- applying (page POST, API POST) is for those who act for the company in applications; the
  probes post an empty form, which is refused by the checks after access (422, nothing made);
- the application's portal page is the company's (its legal rep and verified agent); its POST
  (补正 provided) is the applicant who filed's alone (the cases rule: 404 to the agent), and,
  there being nothing to supply, it changes nothing (a message, a redirect);
- the staff page of an application is for administrators, the granting department's staff
  (policy_officer), reviewers of its sub-case's department and window clerks of its service
  centre (clerk_here); other staff 404, applicants 403;
- the policy's 即申即享 payment list (.xlsx, full identifiers) is for policy officers and
  administrators, as a run's payment list is;
- recording a payment (action pay) is for the granting department's policy officers and
  administrators; the probe posts no voucher number (422 after access, nothing paid);
- the applying company's name shows on the policy's workbench page only to policy officers,
  administrators and the granting department's staff.

Its rows are in tests/test_routes_by_role.py (PROBES).
"""

from __future__ import annotations

from typing import Any

from tests.catalog.factories import MatterFactory
from tests.policies.factories import PolicyFactory
from yishi.catalog.models import Matter
from yishi.policies.applications import policy_application_accept, policy_apply
from yishi.policies.models import SubjectKind


def policies_world(w: Any) -> dict[str, str]:
    matter = MatterFactory(
        name="企业吸纳就业补贴申领",
        department=w.policy_department,
        audience=Matter.Audience.COMPANY,
        result_name="补贴核定",
    )
    policy = PolicyFactory(
        department=w.policy_department,
        subject=SubjectKind.COMPANY,
        proactive=False,
        matter=matter,
        rule={"field": "region_code", "op": "eq", "value": "420702"},
        amount_bands=[{"label": "统一标准", "amount": "2000.00"}],
        application_fields=[
            {"key": "company_name", "label": "单位名称", "prefill": "company.name"},
            {"key": "bank_account", "label": "补贴拨付银行账号"},
        ],
        faq=[{"q": "多久到账？", "a": "核定后十个工作日内拨付。"}],
    )
    pa = policy_apply(
        policy=policy,
        user=w.owner.user,
        company=w.company,
        form_data={"bank_account": "6222020200112233445"},
    )
    policy_application_accept(pa=pa, staff=w.clerk_here.user)
    return {
        "apply_policy": policy.code,
        "policy_application_id": pa.pk,
        "applying_company": w.company.name,
    }
