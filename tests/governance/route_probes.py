"""What tests/test_routes_by_role.py needs for the 数据治理 routes (this file is not
collected as tests).

`governance_world(w)`: given the world of tests/access_world.py, the company registry
catalogued as a dataset of a department of its own, one finding on it reported by the
administrator from the world's case (w.app), a data request from the administrator's
department answered and delivered as an export, and an open dataset (the outlets); returns
the values the paths use.

The policy the lines write down (yishi.governance.access):
- the governance pages (scores, findings, the catalog, supply and demand) are for the chief
  data officer, the data officers of the owning/requesting department and administrators;
  the world has none of the first two, so of its roles only `admin` passes (others: 403 page,
  404 for a finding or request outside their reach; applicants 403; anon the login page).
  The chief data officer and data officers are tested in tests/governance/test_pages.py;
- the one-click report (POST …/report/<number>/) is for staff who can see the case:
  clerk_here, reviewer_here (the case has a sub-case in their department) and admin; the
  probe posts no subject, so it is refused by the check after access (the reason shown on the
  case page, 302 back to it), changing nothing. Applicants who see their own case are not
  staff: 404;
- the open-data pages and downloads and GET /api/v1/open-data are public;
- GET /api/v1/governance/scores is for the governance roles (admin here);
- GET /api/v1/governance/requests/{request_id}/rows answers the requesting department (and
  the chief) of a request delivered as an API grant (its key is scoped to this operation):
  admin here (the world's second request); others 404.

Its rows are in tests/test_routes_by_role.py (PROBES).
"""

from __future__ import annotations

from typing import Any

from tests.catalog.factories import DepartmentFactory
from yishi.governance import services
from yishi.governance.models import Dataset


def governance_world(w: Any) -> dict[str, Any]:
    owner = DepartmentFactory(code="GOV-SCJG", name="数据治理测试市场监管局")
    companies = Dataset.objects.create(
        code="gov-company-registry",
        title="法人基础信息",
        department=owner,
        source="people.company",
        fields=[{"name": "name", "label": "名称"}, {"name": "uscc", "label": "统一社会信用代码"}],
    )
    Dataset.objects.create(
        code="gov-people-registry",
        title="人口基础信息",
        department=owner,
        source="people.person",
        fields=[{"name": "name", "label": "姓名"}],
    )
    finding = services.finding_report(application=w.app, subject="person", staff=w.admin.user)
    request = services.request_submit(
        dataset=companies, staff=w.admin.user, purpose="核对", legal_basis="依据"
    )
    services.request_answer(
        request=request,
        staff=w.admin.user,
        agree=True,
        answer="同意",
        terms="仅用于核对",
        delivery="export",
    )
    services.request_deliver(request=request, staff=w.admin.user)
    api_request = services.request_submit(
        dataset=companies, staff=w.admin.user, purpose="接口核对", legal_basis="依据"
    )
    services.request_answer(
        request=api_request,
        staff=w.admin.user,
        agree=True,
        answer="同意",
        terms="仅用于核对",
        delivery="api",
    )
    services.request_deliver(request=api_request, staff=w.admin.user)
    outlets = Dataset.objects.create(
        code="gov-outlets",
        title="政务服务网点",
        department=owner,
        source="hall.outlet",
        sharing=Dataset.Sharing.UNCONDITIONAL,
        fields=[{"name": "code", "label": "网点编码"}, {"name": "name", "label": "网点名称"}],
    )
    services.dataset_publish(dataset=outlets)
    return {
        "gov_finding": finding.pk,
        "gov_request": request.pk,
        "gov_api_request": api_request.pk,
        "gov_open": outlets.code,
    }
