"""Who may see and do what in 企业一类事与增值服务 (the one access policy of the app).

- Packages and offers are public (what they are, the combined notice of any modules).
- A company's package runs and service requests are its own: starting a package, requesting
  an offer, sharing or revoking data, rating an answer and the tracking view need a verified,
  current authorisation of the user for the company covering 申请办理 ("apply"). Anyone
  else — other applicants, a pending claim, staff, providers — gets 404.
- A provider account (ProviderAccount, a provider's staff login; not an applicant, not
  government staff) sees and answers only the requests made to its own provider's offers,
  and only while the company's consent for that request holds. Before the company shares
  and after it revokes, the request does not exist for the provider: it is missing from the
  list and its page, API and answer route answer 404 (nothing, not even that a request was
  made, since that alone tells a bank that a company is shopping for a loan). Every other
  user gets 403 on provider routes (404 for a request id, as for a wrong provider).
- What a provider sees of the company is its name and USCC plus the fields the consent
  names (SHARE_FIELDS), read live at view time; each view is written to the audit log.
"""

from __future__ import annotations

from typing import Any

from yishi.people.models import Company, CompanyAgent
from yishi.people.queries import active_agencies, can_act_for

from .models import PackageRun, ProviderAccount, ServiceRequest, ShareConsent

APPLY = CompanyAgent.Scope.APPLY

# What a company may choose to share with a provider, beyond its name and USCC.
SHARE_FIELDS = {
    "legal_representative": "法定代表人",
    "address": "企业住所",
    "contact": "经办人及联系电话",
    "capital": "实缴资本",
    "employees": "从业人数",
    "licences": "持有的电子证照",
}


def companies_of(user: Any) -> list[Company]:
    """The companies the user may act for here (verified 申请办理 authorisations)."""
    return [a.company for a in active_agencies(user, APPLY)]


def may_act_for(user: Any, company: Company) -> bool:
    return can_act_for(user, company, APPLY)


def may_see_run(user: Any, run: PackageRun) -> bool:
    return may_act_for(user, run.company)


def may_see_request(user: Any, request: ServiceRequest) -> bool:
    """The requesting company's side."""
    return may_act_for(user, request.company)


def provider_account(user: Any) -> ProviderAccount | None:
    """The user's active provider account, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        ProviderAccount.objects.select_related("provider")
        .filter(user=user, active=True, provider__active=True)
        .first()
    )


def live_consent(request: ServiceRequest) -> ShareConsent | None:
    return request.consents.filter(revoked_at__isnull=True).first()


def provider_may_see(account: ProviderAccount | None, request: ServiceRequest) -> bool:
    """A provider account sees a request to its own provider while a consent holds."""
    return (
        account is not None
        and request.offer.provider_id == account.provider_id
        and live_consent(request) is not None
    )
