"""Who may see and do what in 企业服务 (the one access policy of the app).

- The public page, the public API and the QR code of a company are open to everyone: they
  show only the public fields (queries.PUBLIC_FIELDS).
- The same page shows more, section by section, to those the company trusts and to staff
  whose work needs it:
  * the company's verified legal representative: every section;
  * its verified agents (经办人): licences with the "licences" scope, applications and
    supervision results with "apply", grants with "benefits" (a pending claim grants nothing);
  * staff: administrators every section; window staff licences and applications; policy
    officers grants; supervisors supervision results.
- The e-seal: applied for by the legal representative or an agent with the "apply" scope;
  confirmed (the key made) and revoked only by the verified legal representative; used to
  sign (and its documents read) by the legal representative or an agent with the "credit"
  scope (信用与承诺). Staff never use a company's seal.
"""

from __future__ import annotations

from typing import Any

from yishi.core.roles import Role, has_role
from yishi.people.models import Company, CompanyAgent
from yishi.people.queries import active_agencies

S = CompanyAgent.Scope
LICENCES, APPLICATIONS, GRANTS, SUPERVISION = "licences", "applications", "grants", "supervision"
SECTIONS = (LICENCES, APPLICATIONS, GRANTS, SUPERVISION)
# Which agent scope opens which section.
_SCOPE_OF = {
    LICENCES: S.LICENCES,
    APPLICATIONS: S.APPLY,
    GRANTS: S.BENEFITS,
    SUPERVISION: S.APPLY,
}
_STAFF_SECTIONS = {
    Role.ADMINISTRATOR: set(SECTIONS),
    Role.WINDOW: {LICENCES, APPLICATIONS},
    Role.POLICY_OFFICER: {GRANTS},
    Role.SUPERVISOR: {SUPERVISION},
}


def _agency(user: Any, company: Company) -> CompanyAgent | None:
    """The user's verified, current claim on the company, if any."""
    return next((a for a in active_agencies(user) if a.company_id == company.pk), None)


def is_legal_rep(user: Any, company: Company) -> bool:
    agency = _agency(user, company)
    return agency is not None and agency.role == CompanyAgent.Role.LEGAL_REPRESENTATIVE


def sections(user: Any, company: Company) -> set[str]:
    """The non-public sections of the company page the user may see."""
    agency = _agency(user, company)
    if agency is not None:
        return {name for name in SECTIONS if agency.covers(_SCOPE_OF[name])}
    shown: set[str] = set()
    for role, names in _STAFF_SECTIONS.items():
        if has_role(user, role):
            shown |= names
    return shown


def may_apply_seal(user: Any, company: Company) -> bool:
    agency = _agency(user, company)
    return agency is not None and agency.covers(S.APPLY)


def may_confirm_seal(user: Any, company: Company) -> bool:
    """Confirming and revoking the seal: the verified legal representative only."""
    return is_legal_rep(user, company)


def may_use_seal(user: Any, company: Company) -> bool:
    """Signing with the seal and reading what it signed."""
    agency = _agency(user, company)
    return agency is not None and agency.covers(S.CREDIT)


def may_open_seal_page(user: Any, company: Company) -> bool:
    return may_apply_seal(user, company) or may_use_seal(user, company)
