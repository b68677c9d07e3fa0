"""帮办代办's rows for tests/test_routes_by_role.py (its PROBES carry the lines): the records
the routes need, made through the services on the world of tests/access_world.py.

The policy they write down (yishi.assist.access):
- 我要帮办 is public (anonymous questions allowed; staff get a pointer to the console);
- a request's chat page and a 代办 authorisation's confirmation page are the person's own
  (404 to anyone else, staff included: staff work from /workbench/assist/);
- the console is for window staff, administrators, reviewers and department leads; window
  staff and administrators see every request, the others their department's (the world's
  request is about department b, reviewer_here's);
- on-site helpers and 代办 authorisations are window staff's and administrators';
- the figures (page and API) are for every staff member (no personal data);
- the API's request list is for applicants (their own) and assist staff (what they see);
  creating a request is for applicant accounts; posting a line is for whoever may join.
- 惠企政策服务台 (/assist/desk/, yishi.assist.desk) is for applicant accounts (staff 403);
  asking in a company's name is for those verified to act for it in applications (404 to
  anyone else, a pending claim included). The probes post no company (422 after access) and,
  with the company, a kind the desk does not take (422 after access): nothing is created.
Its rows are in tests/test_routes_by_role.py (PROBES).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from yishi.assist import services


def assist_world(w: Any) -> dict[str, str]:
    """A chat of the owner about their draft (consent given) routed to department b, and
    an authorisation for 代办 of the owner, recorded by clerk_here, awaiting confirmation."""
    request = services.chat_open(
        user=w.owner.user,
        question="申请表怎么填？",
        draft=w.draft,
        consent=True,
        department=w.chain["departments"]["b"],
    )
    auth = services.authorisation_record(
        clerk=w.clerk_here.user,
        account=w.owner,
        valid_until=timezone.localdate() + dt.timedelta(days=30),
        all_matters=True,
    )
    return {"assist_request": str(request.pk), "assist_authorisation": str(auth.pk)}
