"""Reads of 企业服务: the public profile of a company (一企一码), what its trusted users see
on the same page, its seal and signed documents, and the published seal keys."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from django.db.models import Q
from django.utils import timezone
from tongsuopy.crypto import serialization

from yishi.catalog.models import Department
from yishi.companies import access
from yishi.companies.models import CompanySeal, SealedDocument
from yishi.core.models import SigningKey
from yishi.core.validators import clean_identifier
from yishi.people.models import Company

# What anyone may see of a company, API and page alike; nothing else of the record.
PUBLIC_FIELDS = ("uscc", "name", "type", "status", "established_on", "licences")
PUBLIC_LICENCE_FIELDS = ("type", "number", "valid_to", "state")

# GB 32100-2015: the first character of a credit code names the registering authority, the
# second the kind of body; together they are the public "type" of the subject.
_TYPES = {
    "11": "机关",
    "12": "事业单位",
    "13": "群众团体",
    "19": "其他机构编制单位",
    "51": "社会团体",
    "52": "民办非企业单位",
    "53": "基金会",
    "59": "其他民政登记单位",
    "91": "企业",
    "92": "个体工商户",
    "93": "农民专业合作社",
}
LICENCE_STATES = {"valid": "有效", "expired": "已过期", "revoked": "已撤销"}
DEPARTMENT, COMPANY = "department", "company"


def company_type(uscc: str) -> str:
    return _TYPES.get((uscc or "")[:2], "其他组织")


def company_by_code(uscc: str) -> Company | None:
    code = clean_identifier(uscc or "").upper()
    if not code or len(code) != 18:
        return None
    return Company.objects.filter(uscc=code).first()


def licence_state(licence: Any, today: dt.date) -> str:
    if licence.status == licence.Status.REVOKED:
        return "revoked"
    if licence.valid_until is not None and licence.valid_until < today:
        return "expired"
    return "valid"


def _licences(company: Company) -> list[Any]:
    from yishi.licences.models import Licence

    return list(
        Licence.objects.filter(company=company).select_related("type").order_by("-issued_on", "-id")
    )


def public_profile(company: Company, *, today: dt.date | None = None) -> dict[str, Any]:
    """Exactly PUBLIC_FIELDS: the code, the name, the kind of body (from the code), the
    registration status, the date of establishment and the licences (no holder data)."""
    day = today or timezone.localdate()
    return {
        "uscc": company.uscc,
        "name": company.name,
        "type": company_type(company.uscc),
        "status": company.status,
        "established_on": company.registration_date,
        "licences": [
            {
                "type": licence.type.name,
                "number": licence.number,
                "valid_to": licence.valid_until,
                "state": licence_state(licence, day),
            }
            for licence in _licences(company)
        ],
    }


def private_view(user: Any, company: Company, *, today: dt.date | None = None) -> dict[str, Any]:
    """The sections of the company page the user may see beyond the public fields (None for
    a section they may not see)."""
    from yishi.cases.models import Application
    from yishi.policies.models import Grant
    from yishi.supervision.models import SupervisionTask

    shown = access.sections(user, company)
    day = today or timezone.localdate()
    view: dict[str, Any] = dict.fromkeys(access.SECTIONS)
    if access.LICENCES in shown:
        view[access.LICENCES] = [
            {"licence": x, "state": licence_state(x, day)} for x in _licences(company)
        ]
    if access.APPLICATIONS in shown:
        view[access.APPLICATIONS] = list(
            Application.objects.filter(company=company)
            .exclude(status=Application.Status.DRAFT)
            .order_by("-id")[:50]
        )
    if access.GRANTS in shown:
        view[access.GRANTS] = list(
            Grant.objects.filter(company=company).select_related("policy").order_by("-id")[:50]
        )
    if access.SUPERVISION in shown:
        view[access.SUPERVISION] = list(
            SupervisionTask.objects.filter(application__company=company)
            .exclude(status=SupervisionTask.Status.OPEN)
            .select_related("matter", "supervising_department", "application")
            .order_by("-decided_at", "-id")[:50]
        )
    return view


def current_seal(company: Company) -> CompanySeal | None:
    """The company's seal waiting for confirmation or in force, if any."""
    return (
        CompanySeal.objects.filter(
            company=company, status__in=[CompanySeal.Status.PENDING, CompanySeal.Status.ACTIVE]
        )
        .order_by("-id")
        .first()
    )


def seal_history(company: Company) -> list[CompanySeal]:
    return list(CompanySeal.objects.filter(company=company).order_by("-id")[:20])


def documents_of(company: Company) -> list[SealedDocument]:
    return list(
        SealedDocument.objects.filter(company=company)
        .select_related("seal")
        .order_by("-signed_at", "-id")[:100]
    )


def commitments_to_seal(company: Company) -> list[Any]:
    """The company's commitments (signed or in force) not yet sealed by the company."""
    from yishi.credit.models import Commitment

    return list(
        Commitment.objects.filter(
            company=company,
            status__in=[Commitment.Status.SIGNED, Commitment.Status.ACTIVE],
            company_seal__isnull=True,
        )
        .select_related("application")
        .order_by("-id")[:50]
    )


# ---------------------------------------------------------------- published keys


@lru_cache(maxsize=1024)
def public_key_hex(public_pem: str) -> str:
    """The uncompressed SM2 point 04‖X‖Y of a PEM public key, in hex (130 characters)."""
    key = serialization.load_pem_public_key(public_pem.encode("ascii"))
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    ).hex()


_SEAL_KEYS = Q(owner__startswith="dept:") | Q(owner__startswith="company:")


def published_seals(*, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """Every department and company seal key, retired and revoked ones included (old
    documents must still verify), oldest first; and how many there are."""
    keys = SigningKey.objects.filter(_SEAL_KEYS).order_by("id")
    count = keys.count()
    page = list(keys[offset : offset + limit])
    dept_codes = {k.owner.split(":", 1)[1] for k in page if k.owner.startswith("dept:")}
    company_codes = {k.owner.split(":", 1)[1] for k in page if k.owner.startswith("company:")}
    departments = dict(Department.objects.filter(code__in=dept_codes).values_list("code", "name"))
    companies = dict(Company.objects.filter(uscc__in=company_codes).values_list("uscc", "name"))
    seals = {
        s.key_id: s
        for s in CompanySeal.objects.filter(key_id__in=[k.key_id for k in page]).exclude(key_id="")
    }
    items = []
    for key in page:
        kind_prefix, code = key.owner.split(":", 1)
        seal = seals.get(key.key_id)
        if kind_prefix == "dept":
            kind, name, revoked = DEPARTMENT, departments.get(code, ""), False
            valid_to = key.retired_at
        else:
            kind, name = COMPANY, companies.get(code, "")
            # A company key counts only as the key of one of its seals: any other is refused.
            revoked = seal is None or seal.status == CompanySeal.Status.REVOKED
            valid_to = key.retired_at or (seal.revoked_at if seal is not None else None)
        items.append(
            {
                "id": key.key_id,
                "owner": key.owner,
                "owner_name": name,
                "kind": kind,
                "public_key": public_key_hex(key.public_pem),
                "valid_from": key.created_at,
                "valid_to": valid_to,
                "revoked": revoked,
            }
        )
    return items, count
