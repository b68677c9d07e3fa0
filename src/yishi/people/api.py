"""People API: register persons and companies, look a person up (staff with a role and a
stated purpose; audited and shown to the person), validate ID numbers, credit codes and mobile
numbers for live form checks (public), and the applicant's own account: who read my data."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import SessionAuthIsStaff, django_auth

from yishi.core.crypto import mask, mask_phone
from yishi.core.errors import NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.roles import Role, first_role, has_role
from yishi.core.validators import validate_mobile, validate_ric, validate_uscc
from yishi.people import queries, services
from yishi.people.models import ApplicantAccount, Company, CompanyAgent, Person

router = Router(tags=["人员与企业"])
staff = SessionAuthIsStaff()

# Who may look a person up: policy officers and administrators, and window staff, who
# identify the person standing at their counter (证件核验、代为登记). A lookup shows identity
# basics only (name, birth date, sex, region; ID number and phone masked), never the registry's
# sensitive facts (disability, 低保, employment), and each hit is recorded with its purpose
# for the person to see. Reviewers see applicants through their cases, not through here.
LOOKUP_ROLES = (Role.POLICY_OFFICER, Role.ADMINISTRATOR, Role.WINDOW)
DATA_ACCESS_MAX = 500


class PersonIn(Schema):
    name: str
    id_number: str
    phone: str = ""


class PersonOut(Schema):
    id: int
    name: str
    id_number: str  # masked
    phone: str  # masked
    birth_date: dt.date
    sex: str
    region_code: str


class CompanyIn(Schema):
    name: str
    uscc: str
    legal_representative: str = ""
    legal_representative_id_number: str = ""
    address: str = ""


class CompanyOut(Schema):
    id: int
    name: str
    uscc: str
    legal_representative: str
    legal_representative_id_number: str  # masked
    region_code: str
    address: str


# Registering persons and companies in the registry: the counter and administrators.
REGISTER_ROLES = (Role.WINDOW, Role.ADMINISTRATOR)


def _require_role(request: HttpRequest, roles: tuple[Role, ...], what: str) -> None:
    if not any(has_role(request.user, role) for role in roles):
        raise PermissionDeniedError(f"只有窗口人员或管理员可以{what}", field="user")


def _person_out(person: Person) -> dict[str, object]:
    return {
        "id": person.pk,
        "name": person.name,
        "id_number": mask(person.id_number),
        "phone": mask_phone(person.phone),
        "birth_date": person.birth_date,
        "sex": person.sex,
        "region_code": person.region_code,
    }


def _company_out(company: Company) -> dict[str, object]:
    return {
        "id": company.pk,
        "name": company.name,
        "uscc": company.uscc,
        "legal_representative": company.legal_representative,
        "legal_representative_id_number": mask(company.legal_representative_id_number),
        "region_code": company.region_code,
        "address": company.address,
    }


@router.post("/persons", response={201: PersonOut}, auth=staff, summary="登记自然人")
def person_create(request: HttpRequest, payload: PersonIn):
    _require_role(request, REGISTER_ROLES, "登记自然人")
    person = services.person_register(
        name=payload.name, id_number=payload.id_number, phone=payload.phone, actor=request.user
    )
    return Status(201, _person_out(person))


class PersonLookupIn(Schema):
    id_number: str
    purpose: str = ""  # required in substance: services.person_lookup answers 400 without one


# POST, not GET: an ID number in a query string would land in access logs, proxies and
# browser history (personal data never travels in URLs).
@router.post(
    "/persons/lookup",
    response=PersonOut,
    auth=staff,
    summary="按居民身份证号查找自然人（窗口人员、政策专员、管理员；须说明查询用途，查询记录本人可见）",
)
def person_lookup(request: HttpRequest, payload: PersonLookupIn):
    role = first_role(request.user, *LOOKUP_ROLES)
    if role is None:
        raise PermissionDeniedError("只有窗口人员、政策专员或管理员可以查找自然人", field="user")
    person = services.person_lookup(
        id_number=payload.id_number, actor=request.user, purpose=payload.purpose, role=role.label
    )
    return _person_out(person)


@router.post("/companies", response={201: CompanyOut}, auth=staff, summary="登记法人")
def company_create(request: HttpRequest, payload: CompanyIn):
    _require_role(request, REGISTER_ROLES, "登记法人")
    company = services.company_register(
        name=payload.name,
        uscc=payload.uscc,
        legal_representative=payload.legal_representative,
        legal_representative_id_number=payload.legal_representative_id_number,
        address=payload.address,
        actor=request.user,
    )
    return Status(201, _company_out(company))


class ValueIn(Schema):
    value: str


# The validators take their value in a POST body for the same reason as the lookup: ID and
# mobile numbers are personal data and stay out of URLs; the credit code takes the same shape
# so that a form's live checks all work alike.
@router.post("/validate/id-number", summary="校验居民身份证号")
def validate_id_number(request: HttpRequest, payload: ValueIn) -> dict[str, object]:
    info = validate_ric(payload.value, field="value")
    return {
        "valid": True,
        "number": info.number,
        "birth_date": info.birth_date.isoformat(),
        "sex": info.sex,
        "region_code": info.region_code,
        "province": info.province,
    }


@router.post("/validate/credit-code", summary="校验统一社会信用代码")
def validate_credit_code(request: HttpRequest, payload: ValueIn) -> dict[str, object]:
    info = validate_uscc(payload.value, field="value")
    return {
        "valid": True,
        "code": info.code,
        "authority": info.authority,
        "entity_type": info.entity_type,
        "region_code": info.region_code,
        "organisation_code": info.organisation_code,
    }


@router.post("/validate/mobile", summary="校验手机号码")
def validate_mobile_number(request: HttpRequest, payload: ValueIn) -> dict[str, object]:
    info = validate_mobile(payload.value, field="value")
    return {"valid": True, "number": info.number}


# ---------------------------------------------------------------- applicant accounts


class SmsCodeIn(Schema):
    phone: str
    purpose: str = "register"


class SmsCodeOut(Schema):
    phone: str  # masked
    purpose: str
    expires_in: int
    resend_after: int


class ApplicantIn(Schema):
    name: str
    id_number: str
    phone: str
    password: str
    sms_code: str


class AgencyOut(Schema):
    company_id: int
    company_name: str
    uscc: str
    role: str
    role_label: str
    authorised_until: dt.date | None
    verified: bool
    state: str
    state_label: str
    verification: str
    scopes: list[str]


class ApplicantOut(Schema):
    id: int
    name: str
    id_number: str  # masked
    phone: str  # masked
    verified_at: dt.datetime | None
    companies: list[AgencyOut] = []


def _applicant_out(account: ApplicantAccount, agencies: list[CompanyAgent]) -> dict[str, object]:
    return {
        "id": account.pk,
        "name": account.person.name,
        "id_number": mask(account.person.id_number),
        "phone": mask_phone(account.phone),
        "verified_at": account.verified_at,
        "companies": [
            {
                "company_id": a.company_id,
                "company_name": a.company.name,
                "uscc": a.company.uscc,
                "role": a.role,
                "role_label": a.get_role_display(),
                "authorised_until": a.authorised_until,
                "verified": a.verified_at is not None,
                "state": a.state,
                "state_label": a.state_label,
                "verification": a.verification,
                "scopes": a.scope_codes,
            }
            for a in agencies
        ],
    }


@router.post("/sms-codes", response={202: SmsCodeOut}, summary="发送短信验证码")
def sms_code_create(request: HttpRequest, payload: SmsCodeIn):
    # The same answer whether or not the phone has an account (see sms_code_send).
    services.sms_code_send(
        phone=payload.phone,
        purpose=payload.purpose,
        address=request.META.get("REMOTE_ADDR", ""),
    )
    number = validate_mobile(payload.phone, field="phone").number
    return Status(
        202,
        {
            "phone": mask_phone(number),
            "purpose": payload.purpose,
            "expires_in": settings.SMS_CODE_TTL_SECONDS,
            "resend_after": settings.SMS_RESEND_SECONDS,
        },
    )


@router.post("/applicants", response={201: ApplicantOut}, summary="注册申请人账号")
def applicant_create(request: HttpRequest, payload: ApplicantIn):
    account = services.applicant_register(
        name=payload.name,
        id_number=payload.id_number,
        phone=payload.phone,
        password=payload.password,
        sms_code=payload.sms_code,
    )
    return Status(201, _applicant_out(account, []))


@router.get("/me", response=ApplicantOut, auth=django_auth, summary="当前登录的申请人")
def me(request: HttpRequest):
    account = queries.account_of(request.user)
    if account is None:
        raise NotFound("当前登录的不是申请人账号")
    # Pending claims are listed too, with their state: they grant nothing until verified.
    return _applicant_out(account, queries.current_claims(request.user))


class DataAccessOut(Schema):
    at: dt.datetime  # Asia/Shanghai
    reader: str  # masked name
    department: str
    role: str
    channel: str
    channel_label: str
    fields: list[str]  # Chinese names
    field_names: list[str]
    purpose: str


@router.get(
    "/my/data-access",
    response=list[DataAccessOut],
    auth=django_auth,
    summary="谁查看了我的信息：工作人员查看本人登记信息的记录（新的在前）",
)
def my_data_access(request: HttpRequest, limit: int = 100, offset: int = 0):
    account = queries.account_of(request.user)
    if account is None:
        raise NotFound("当前登录的不是申请人账号")
    if not 1 <= limit <= DATA_ACCESS_MAX:
        raise ValidationFailed(f"应在 1 至 {DATA_ACCESS_MAX} 之间", field="limit")
    if offset < 0:
        raise ValidationFailed("偏移量不能为负数", field="offset")
    rows = queries.registry_read_rows(account.person, limit=limit, offset=offset)
    return [dataclasses.asdict(row) for row in rows]
