"""What tests/test_routes_by_role.py needs for the 企业服务 routes (this file is not
collected as tests).

`companies_world(w)`: given the world of tests/access_world.py, the company's e-seal applied
for and confirmed by its legal representative (the world's `applicant`) and one form signed
with it; returns the values the paths use.

The policy the lines write down (yishi.companies.access):
- the company page of 一企一码 (/companies/<USCC>/), its QR code and the public API
  (/api/v1/companies/{uscc}/public) are open to everyone and show only the public fields;
  the sections beyond them appear to the company's legal representative and agents by scope
  and to staff by role (administrator all; window staff licences and applications; policy
  officers grants; supervisors supervision results) — `leak` checks the grants section;
- the published seal keys (/api/v1/seals) are public;
- the seal page and the signed documents are the company's own: its verified legal
  representative and agents (the world's agent holds every scope). A pending claim, other
  applicants and staff get 404; anonymous visitors the login page. The POST probe sends a
  form without a title: refused by the checks after access (the reason shown on the page,
  302 back to it), changing nothing.

Its rows are in tests/test_routes_by_role.py (PROBES).
"""

from __future__ import annotations

from typing import Any

from yishi.companies import services
from yishi.companies.models import SealedDocument


def companies_world(w: Any) -> dict[str, str]:
    seal = services.seal_apply(company=w.company, user=w.owner.user)
    services.seal_confirm(seal=seal, user=w.owner.user)
    document = services.document_sign(
        company=w.company,
        user=w.owner.user,
        kind=SealedDocument.Kind.FORM,
        title="年度报告承诺表",
        text="本企业承诺所报信息真实。",
    )
    return {"sealed_document": str(document.ref)}
