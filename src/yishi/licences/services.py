"""E-licence use cases: department seals and their rotation, issuing (by hand or when a
sub-case of a licence-producing matter is approved), revocation, JSON and spreadsheet import.

Every write is one transaction with an audit entry; the province licence store hears of each
new or revoked licence through the outbox. Verification lives in yishi.licences.verification.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from stdnum.iso7064 import mod_37_36

from yishi.cases.models import Application, CaseMaterial, SubCase
from yishi.catalog.models import Department
from yishi.core.audit import audit_append
from yishi.core.dates import add_years
from yishi.core.errors import Conflict, NotFound, ValidationFailed
from yishi.core.models import SigningKey
from yishi.core.outbox import outbox_enqueue
from yishi.core.signing import PLATFORM, Signature, rotate_key, sign, verify
from yishi.core.validators import validate_ric
from yishi.licences.canonical import (
    SUBJECT,
    canonical_bytes,
    canonical_fields,
    holder_identity,
    licence_canonical,
)
from yishi.licences.labels import field_sources
from yishi.licences.models import Licence, LicenceSerial, LicenceType, Seal, seal_owner
from yishi.licences.queries import (
    held_licence_for_applicant,
    licence_type_for_matter,
    material_lines_for_type,
    materials_of_application,
)
from yishi.licences.sealimage import seal_png
from yishi.licences.verification import (  # noqa: F401  (re-exported for callers)
    VerifyResult,
    licence_verify,
)
from yishi.people.models import Company, Person
from yishi.people.queries import company_by_uscc, person_by_id_number
from yishi.themes.form import display_value
from yishi.themes.models import ThemeFormField

ISSUED_TOPIC = "licences.issued"
REVOKED_TOPIC = "licences.revoked"
EXPORT_SCHEMA = "yishi.licence.export/1"
_CODE_RE = re.compile(r"^[A-Z0-9]{2,20}$")


def push_destination() -> str:
    """Where new and revoked licences are reported (the province licence store in production)."""
    return getattr(settings, "YISHI_LICENCE_PUSH_DESTINATION", "log")


# ---------------------------------------------------------------- seals


def _current_key_id(owner: str) -> str:
    return (
        SigningKey.objects.filter(owner=owner, active=True).values_list("key_id", flat=True).first()
        or ""
    )


def seal_for(department: Department) -> Seal:
    """The department's seal, made on first use (image drawn and stored, key created by
    core.signing on its first signature)."""
    seal = Seal.objects.filter(department=department).first()
    if seal is not None:
        return seal
    image = seal_png(department.name)
    try:
        with transaction.atomic():
            seal = Seal.objects.create(
                department=department,
                name=f"{department.name}电子印章",
                image_png=image,
                key_id=_current_key_id(seal_owner(department)),
            )
            audit_append(
                action="licences.seal.create",
                object_type="licences.seal",
                object_id=seal.pk,
                data={"department": department.code},
            )
    except IntegrityError:
        # A concurrent first use made it at the same moment.
        seal = Seal.objects.get(department=department)
    return seal


def seal_rotate(*, department: Department, actor: object = "") -> Seal:
    """Give the department's seal a new key; licences signed with the old one still verify."""
    seal = seal_for(department)
    with transaction.atomic():
        seal = Seal.objects.select_for_update(no_key=True).get(pk=seal.pk)
        key = rotate_key(owner=seal.owner)
        seal.key_id = key.key_id
        seal.rotated_at = timezone.now()
        seal.save(update_fields=["key_id", "rotated_at"])
        audit_append(
            action="licences.seal.rotate",
            actor=actor,
            object_type="licences.seal",
            object_id=seal.pk,
            data={"department": department.code, "key_id": key.key_id},
        )
    return seal


def seal_set_active(*, department: Department, active: bool, actor: object = "") -> Seal:
    """Suspend or resume a seal; a suspended seal signs nothing."""
    seal = seal_for(department)
    with transaction.atomic():
        seal = Seal.objects.select_for_update(no_key=True).get(pk=seal.pk)
        seal.active = bool(active)
        seal.save(update_fields=["active"])
        audit_append(
            action="licences.seal.activate" if active else "licences.seal.suspend",
            actor=actor,
            object_type="licences.seal",
            object_id=seal.pk,
            data={"department": department.code},
        )
    return seal


def _seal_sign(seal: Seal, data: bytes) -> Signature:
    signature = sign(data, owner=seal.owner)
    if seal.key_id != signature.key_id:
        Seal.objects.filter(pk=seal.pk).update(key_id=signature.key_id)
        seal.key_id = signature.key_id
    return signature


# ---------------------------------------------------------------- numbering


def _check_char(body: str) -> str:
    clean = "".join(c for c in body.upper() if c.isascii() and c.isalnum())
    return mod_37_36.calc_check_digit(clean)


def licence_number(type_code: str, issuer_code: str, year: int, serial: int) -> str:
    """GB/T 36904-style identifier: type code, issuer code, year, serial and an
    ISO 7064 MOD 37,36 check character over them."""
    body = f"{type_code}-{issuer_code}-{year:04d}-{serial:06d}"
    return f"{body}-{_check_char(body)}"


def licence_number_valid(number: str) -> bool:
    body, _, check = (number or "").rpartition("-")
    return bool(body) and len(check) == 1 and _check_char(body) == check


def _next_serial(licence_type: LicenceType, issuer: Department, year: int) -> int:
    LicenceSerial.objects.get_or_create(type=licence_type, issuer=issuer, year=year)
    row = LicenceSerial.objects.select_for_update(no_key=True).get(
        type=licence_type, issuer=issuer, year=year
    )
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


# ---------------------------------------------------------------- issuing


def _clean_data(data: Any) -> dict[str, str]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ValidationFailed("照面信息必须是对象", field="data")
    clean: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(key, str) or not key.strip():
            raise ValidationFailed("照面信息项名称不能为空", field="data")
        if isinstance(value, dict | list):
            raise ValidationFailed(f"data.{key}：照面信息项只能是文字或数字", field=f"data.{key}")
        clean[key.strip()[:60]] = "" if value is None else str(value)[:500]
    return clean


@dataclass(frozen=True)
class LicenceSubject:
    """A holder not in the people registry (a newborn before 落户): the licence names them
    and is held on their behalf by its applicant (申请人/监护人)."""

    name: str
    id_number: str = ""


Holder = Person | Company | LicenceSubject


def _holder_fields(holder: Holder, applicant: Person | None) -> dict[str, Any]:
    fields: dict[str, Any] = {"person": None, "company": None, "applicant": applicant}
    if isinstance(holder, Person):
        fields["person"] = holder
    elif isinstance(holder, Company):
        fields["company"] = holder
    elif isinstance(holder, LicenceSubject):
        name = (holder.name or "").strip()
        if not name:
            raise ValidationFailed("请填写持证人姓名", field="holder.name")
        if applicant is None:
            raise ValidationFailed(
                "持证人未在本平台登记时，须载明其申请人/监护人", field="applicant"
            )
        number = (holder.id_number or "").strip()
        if number:
            number = validate_ric(number, "holder.id_number").number
        fields.update(subject_name=name[:50], subject_id_number=number)
    else:
        raise ValidationFailed("持证主体须为自然人或法人", field="holder")
    return fields


def _check_holder_kind(licence_type: LicenceType, holder: Holder) -> None:
    if licence_type.holder_kind == "person" and not isinstance(holder, Person | LicenceSubject):
        raise ValidationFailed(f"「{licence_type.name}」只能颁发给自然人", field="holder")
    if licence_type.holder_kind == "company" and not isinstance(holder, Company):
        raise ValidationFailed(f"「{licence_type.name}」只能颁发给法人", field="holder")


def _push(topic: str, licence: Licence) -> None:
    outbox_enqueue(
        topic=topic,
        destination=push_destination(),
        payload={
            "number": licence.number,
            "type": licence.type.code,
            "issuer": licence.issuer.code,
            "status": licence.status,
            "issued_on": licence.issued_on,
            "valid_until": licence.valid_until,
        },
    )


def licence_issue(
    *,
    type: LicenceType,  # noqa: A002  (the brief's name for it)
    holder: Holder,
    issuer: Department,
    data: Mapping[str, Any] | None,
    applicant: Person | None = None,
    subcase: SubCase | None = None,
    today: dt.date | None = None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    actor: object = "",
) -> Licence:
    """Number, sign with the issuer's seal, store, audit and report one licence. `applicant`
    is who applied for someone else (申请人/监护人): recorded, printed, and it has the licence
    in its wallet; required for a holder not in the registry."""
    licence_type = type
    _check_holder_kind(licence_type, holder)
    if applicant is not None and applicant == holder:
        applicant = None
    holder_fields = _holder_fields(holder, applicant)
    clean = _clean_data(data)
    if not isinstance(holder, LicenceSubject):
        clean.setdefault("holder_name", holder.name)
    if applicant is not None:
        clean["applicant_name"] = applicant.name
    day = today or timezone.localdate()
    start = valid_from or day
    if valid_until is None and licence_type.validity_years:
        valid_until = add_years(start, licence_type.validity_years) - dt.timedelta(days=1)
    if valid_until is not None and valid_until < start:
        raise ValidationFailed("有效期至不能早于有效期起", field="valid_until")
    seal = seal_for(issuer)
    if not seal.active:
        raise Conflict(f"「{issuer.name}」的电子印章已停用，不能签发证照", field="issuer")
    with transaction.atomic():
        if subcase is not None and Licence.objects.filter(subcase=subcase).exists():
            raise Conflict("该办件已颁发过证照", field="subcase")
        serial = _next_serial(licence_type, issuer, day.year)
        licence = Licence(
            number=licence_number(licence_type.code, issuer.code, day.year, serial),
            type=licence_type,
            issuer=issuer,
            subcase=subcase,
            data=clean,
            issued_on=day,
            valid_from=start,
            valid_until=valid_until,
            source=Licence.Source.ISSUED,
            trust_level=Licence.Trust.A,
            **holder_fields,
        )
        licence.signature = _seal_sign(seal, licence_canonical(licence)).as_dict()
        licence.save()
        audit_append(
            action="licences.licence.issue",
            actor=actor,
            object_type="licences.licence",
            object_id=licence.number,
            data={
                "type": licence_type.code,
                "issuer": issuer.code,
                "subcase": subcase.pk if subcase else None,
                "key_id": licence.signature["key_id"],
            },
        )
        _push(ISSUED_TOPIC, licence)
    return licence


def licence_revoke(*, licence: Licence, reason: str, actor: object = "") -> Licence:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写撤销理由", field="reason")
    with transaction.atomic():
        locked = Licence.objects.select_for_update(no_key=True).get(pk=licence.pk)
        if locked.status == Licence.Status.REVOKED:
            raise Conflict("该证照已撤销", field="status")
        locked.status = Licence.Status.REVOKED
        locked.revoked_at = timezone.now()
        locked.revoked_reason = reason[:1000]
        locked.save(update_fields=["status", "revoked_at", "revoked_reason"])
        audit_append(
            action="licences.licence.revoke",
            actor=actor,
            object_type="licences.licence",
            object_id=locked.number,
            data={"reason": locked.revoked_reason},
        )
        _push(REVOKED_TOPIC, locked)
    return locked


# ---------------------------------------------------------------- from an approved sub-case


def _form_value(form: Mapping[str, Any], sources: list[str]) -> tuple[str, Any] | None:
    """(key, value) of the first of `sources` filled in on the form, or None."""
    for key in sources:
        value = form.get(key)
        if value is None or isinstance(value, dict | list) or not str(value).strip():
            continue
        return key, value
    return None


def _case_data(licence_type: LicenceType, application: Application) -> dict[str, str]:
    """The licence's data from the case: each field of the type from the first of its form
    fields ("from", else its own key) filled in, in words as the form shows it (a choice by
    its label); the holder's name is added by licence_issue (the ID number is in the
    canonical holder, not in data)."""
    form = application.form_data if isinstance(application.form_data, dict) else {}
    fields = (
        {f.key: f for f in ThemeFormField.objects.filter(theme_id=application.theme_id)}
        if application.theme_id
        else {}
    )
    data: dict[str, str] = {}
    for spec in licence_type.fields or []:
        key = spec.get("key") if isinstance(spec, dict) else None
        found = _form_value(form, field_sources(spec)) if key else None
        if found is not None:
            source, value = found
            data[key] = display_value(fields.get(source), value)
    return data


def _case_subject(licence_type: LicenceType, application: Application) -> LicenceSubject | None:
    """Whom the licence is about when the type says the form names them (LicenceType.subject:
    form fields for the name and the ID number); None when it does not or none is filled."""
    spec = licence_type.subject if isinstance(licence_type.subject, dict) else {}
    form = application.form_data if isinstance(application.form_data, dict) else {}

    def sources(name: str) -> list[str]:
        keys = spec.get(name) or []
        keys = [keys] if isinstance(keys, str) else keys
        return [k for k in keys if isinstance(k, str)]

    name = _form_value(form, sources("name"))
    if name is None:
        return None
    number = _form_value(form, sources("id_number"))
    return LicenceSubject(
        name=str(name[1]).strip(), id_number=str(number[1]).strip() if number else ""
    )


def licence_holder_for(
    licence_type: LicenceType, application: Application
) -> tuple[Holder, Person | None]:
    """(holder, applicant recorded as 申请人/监护人) of the licence a case of this type yields:
    the applicant (or its company) unless the form names someone else as the subject — then
    that person, registered or not, held on their behalf by the applicant."""
    holder: Holder = application.company if application.company_id else application.person
    if licence_type.holder_kind == "person":
        holder = application.person
    if licence_type.holder_kind == "company" or application.person is None:
        return holder, None
    subject = _case_subject(licence_type, application)
    if subject is None:
        return holder, None
    applicant = application.person
    if subject.id_number:
        registered = person_by_id_number(subject.id_number)
        if registered is not None:
            return (registered, None) if registered == applicant else (registered, applicant)
        return subject, applicant
    if subject.name == applicant.name:
        return holder, None
    return subject, applicant


def licence_attach_to_application(
    *, licence: Licence, application: Application
) -> list[CaseMaterial]:
    """Attach a licence as the application's material(s) it satisfies (免证明, trust A):
    one CaseMaterial with source "licence" per material kind that names the licence type, so
    later sub-cases of the application take it without upload. Idempotent per kind."""
    made = []
    for kind, name in material_lines_for_type(licence.type, application):
        exists = CaseMaterial.objects.filter(
            application=application, kind=kind, source=CaseMaterial.Source.LICENCE
        ).exists()
        if exists:
            continue
        made.append(
            CaseMaterial.objects.create(
                application=application,
                kind=kind,
                name=f"{name}（电子证照 {licence.number}）"[:150],
                source=CaseMaterial.Source.LICENCE,
            )
        )
    return made


def licence_attach_held(*, application_id: int, today: dt.date | None = None) -> list[CaseMaterial]:
    """Attach the subject's valid licences to the application's materials they satisfy
    (免证明, trust level A or B): the departments see them and the applicant uploads
    nothing. Idempotent per material kind."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",), no_key=True)
            .select_related("person", "company")
            .filter(pk=application_id)
            .first()
        )
        if application is None:
            return []
        made = []
        for material in materials_of_application(application):
            kind = (material.kind or material.name)[:60]
            if CaseMaterial.objects.filter(
                application=application, kind=kind, source=CaseMaterial.Source.LICENCE
            ).exists():
                continue
            licence = held_licence_for_applicant(
                material, person=application.person, company=application.company, today=today
            )
            if licence is None:
                continue
            made.append(
                CaseMaterial.objects.create(
                    application=application,
                    kind=kind,
                    name=f"{material.name}（电子证照 {licence.number}）"[:150],
                    source=CaseMaterial.Source.LICENCE,
                )
            )
        if made:
            audit_append(
                action="licences.licence.attach",
                object_type="cases.application",
                object_id=application.pk,
                data={"kinds": [m.kind for m in made]},
            )
    return made


def licence_issue_for_subcase(*, subcase_id: int, today: dt.date | None = None) -> Licence | None:
    """The licence of an approved sub-case whose matter produces one; None when its matter
    produces no licence. Idempotent: a second call returns the first licence."""
    with transaction.atomic():
        subcase = (
            SubCase.objects.select_for_update(of=("self",), no_key=True)
            .select_related("application__person", "application__company", "matter", "department")
            .filter(pk=subcase_id)
            .first()
        )
        if subcase is None or subcase.status != SubCase.Status.APPROVED:
            return None
        if subcase.partner_region:
            # Decided by a partner region (跨域通办): its sealed result is the licence
            # (exchange.results, licence_register_sealed); we issue none of our own.
            return None
        existing = Licence.objects.filter(subcase=subcase).first()
        if existing is not None:
            return existing
        licence_type = licence_type_for_matter(subcase.matter)
        if licence_type is None:
            return None
        application = subcase.application
        if licence_type.holder_kind == "company" and not application.company_id:
            return None
        holder, applicant = licence_holder_for(licence_type, application)
        # The approval's business date (the event's approved_on), else the decision time.
        day = today or (timezone.localdate(subcase.decided_at) if subcase.decided_at else None)
        licence = licence_issue(
            type=licence_type,
            holder=holder,
            applicant=applicant,
            issuer=subcase.department,
            data=_case_data(licence_type, application),
            subcase=subcase,
            today=day,
            actor=subcase.decided_by or "",
        )
        licence_attach_to_application(licence=licence, application=application)
    return licence


# ---------------------------------------------------------------- export and import


def licence_export(licence: Licence) -> dict[str, Any]:
    """A self-contained signed document another platform can import and verify."""
    kind, code = holder_identity(licence)
    applicant = (
        {"kind": "person", "id": str(licence.applicant.id_number), "name": licence.applicant.name}
        if licence.applicant_id
        else None
    )
    return {
        "schema": EXPORT_SCHEMA,
        "licence": {
            "number": licence.number,
            "type": licence.type.code,
            "holder": {"kind": kind, "id": code, "name": licence.holder_name},
            **({"applicant": applicant} if applicant else {}),
            "issuer": licence.issuer.code,
            "data": licence.data,
            "issued_on": licence.issued_on.isoformat(),
            "valid_from": licence.valid_from.isoformat(),
            "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
        },
        "signature": licence.signature,
        "key_id": licence.signature.get("key_id", ""),
    }


def _parse_date(value: Any, field_name: str, *, optional: bool = False) -> dt.date | None:
    if value in (None, "") and optional:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(f"{field_name}：日期格式应为 YYYY-MM-DD", field=field_name) from None


def _text(value: Any, field_name: str, label: str) -> str:
    if not isinstance(value, str | int) or not str(value).strip():
        raise ValidationFailed(f"{field_name}：请填写{label}", field=field_name)
    return str(value).strip()


def _find_holder(kind: str, code: str, field_name: str) -> Person | Company:
    if kind == "person":
        holder = person_by_id_number(code)
    elif kind == "company":
        holder = company_by_uscc(code)
    else:
        raise ValidationFailed(
            f"{field_name}.kind：持证主体类型应为 person 或 company", field=f"{field_name}.kind"
        )
    if holder is None:
        raise ValidationFailed("持证主体未在本平台登记，不能导入", field=f"{field_name}.id")
    return holder


def _find_type(code: str, field_name: str) -> LicenceType:
    found = LicenceType.objects.filter(code=code).first()
    if found is None:
        raise ValidationFailed(f"证照类型“{code}”不存在", field=field_name)
    return found


def _find_issuer(code: str, field_name: str) -> Department:
    found = Department.objects.filter(code=code).first()
    if found is None:
        raise ValidationFailed(f"发证机关“{code}”不在部门清单中", field=field_name)
    return found


def licence_import(document: Any, *, actor: object = "") -> Licence:
    """Import a signed licence document (see licence_export). The signature must verify over
    the document's canonical bytes under a known key of the issuer's seal: trust level A."""
    if not isinstance(document, Mapping) or not isinstance(document.get("licence"), Mapping):
        raise ValidationFailed("缺少证照内容", field="licence")
    body = document["licence"]
    holder_doc = body.get("holder")
    if not isinstance(holder_doc, Mapping):
        raise ValidationFailed("licence.holder：缺少持证主体", field="licence.holder")
    number = _text(body.get("number"), "licence.number", "证照编号")[:120]
    type_code = _text(body.get("type"), "licence.type", "证照类型代码")
    issuer_code = _text(body.get("issuer"), "licence.issuer", "发证机关编码")
    holder_kind = _text(holder_doc.get("kind"), "licence.holder.kind", "持证主体类型")
    if holder_kind == SUBJECT:
        # Not in the registry: the name is signed with it, the ID number may not exist yet.
        holder_id = str(holder_doc.get("id") or "").strip()
        holder_name = _text(holder_doc.get("name"), "licence.holder.name", "持证人姓名")
    else:
        holder_id = _text(holder_doc.get("id"), "licence.holder.id", "持证主体证件号码")
        holder_name = None
    applicant_doc = body.get("applicant")
    applicant_id = None
    if applicant_doc is not None:
        if not isinstance(applicant_doc, Mapping):
            raise ValidationFailed("licence.applicant：格式不正确", field="licence.applicant")
        applicant_id = _text(applicant_doc.get("id"), "licence.applicant.id", "申请人证件号码")
    data = _clean_data(body.get("data"))
    issued_on = _parse_date(body.get("issued_on"), "licence.issued_on")
    valid_from = _parse_date(body.get("valid_from"), "licence.valid_from")
    valid_until = _parse_date(body.get("valid_until"), "licence.valid_until", optional=True)
    signature = document.get("signature")
    if not isinstance(signature, Mapping):
        raise ValidationFailed("缺少电子签章", field="signature")
    key_id = document.get("key_id") or signature.get("key_id")
    if key_id != signature.get("key_id"):
        raise ValidationFailed("与签章中的密钥标识不一致", field="key_id")

    canonical = canonical_bytes(
        canonical_fields(
            number=number,
            type_code=type_code,
            holder_kind=holder_kind,
            holder_id=holder_id,
            holder_name=holder_name,
            applicant_id=applicant_id,
            issuer_code=issuer_code,
            data=data,
            issued_on=issued_on,
            valid_from=valid_from,
            valid_until=valid_until,
        )
    )
    owner = SigningKey.objects.filter(key_id=key_id).values_list("owner", flat=True).first()
    if owner is None:
        raise ValidationFailed("签章所用密钥不是已知的发证机关印章密钥", field="key_id")
    if owner != f"dept:{issuer_code}" or not verify(canonical, dict(signature)):
        raise ValidationFailed(
            "电子签章验证未通过：证照内容与签章不符或签章不属于该发证机关", field="signature"
        )
    licence_type = _find_type(type_code, "licence.type")
    issuer = _find_issuer(issuer_code, "licence.issuer")
    applicant = None
    if applicant_id is not None:
        applicant = person_by_id_number(applicant_id)
        if applicant is None:
            raise ValidationFailed(
                "申请人/监护人未在本平台登记，不能导入", field="licence.applicant.id"
            )
    if holder_kind == SUBJECT:
        holder: Holder = LicenceSubject(name=holder_name or "", id_number=holder_id)
    else:
        holder = _find_holder(holder_kind, holder_id, "licence.holder")
    _check_holder_kind(licence_type, holder)
    holder_fields = _holder_fields(holder, applicant)
    with transaction.atomic():
        if Licence.objects.filter(number=number).exists():
            raise Conflict(f"编号为“{number}”的证照已存在", field="licence.number")
        licence = Licence.objects.create(
            number=number,
            type=licence_type,
            issuer=issuer,
            data=data,
            issued_on=issued_on,
            valid_from=valid_from,
            valid_until=valid_until,
            source=Licence.Source.IMPORTED,
            trust_level=Licence.Trust.A,
            signature=dict(signature),
            **holder_fields,
        )
        audit_append(
            action="licences.licence.import",
            actor=actor,
            object_type="licences.licence",
            object_id=number,
            data={"type": type_code, "issuer": issuer_code, "key_id": key_id, "trust": "A"},
        )
    return licence


@dataclass
class XlsxImportReport:
    imported: list[str] = field(default_factory=list)  # licence numbers
    errors: list[str] = field(default_factory=list)  # "第 n 行：…"


XLSX_COLUMNS = {
    "证照编号": "number",
    "证照类型代码": "type",
    "持证主体类型": "holder_kind",
    "持证主体证件号码": "holder_id",
    "发证机关编码": "issuer",
    "颁发日期": "issued_on",
    "有效期起": "valid_from",
    "有效期至": "valid_until",
}
_HOLDER_KINDS = {"自然人": "person", "个人": "person", "法人": "company", "企业": "company"}


def licences_import_xlsx(file: Any, *, actor: object = "") -> XlsxImportReport:
    """Import licences checked by staff from a spreadsheet (first sheet, header row with the
    XLSX_COLUMNS titles; any other column is a data field named by its title). Each row is
    its own transaction, recorded at trust level B and signed by the platform's key so a
    later change to it is still detected. Bad rows are reported, never half-imported."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a file that is not xlsx
        raise ValidationFailed("文件不是有效的 xlsx 表格", field="file") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if not header:
        raise ValidationFailed("表格为空", field="file")
    titles = [str(h).strip() if h is not None else "" for h in header]
    missing = [t for t in XLSX_COLUMNS if t != "有效期至" and t not in titles]
    if missing:
        raise ValidationFailed(f"表头缺少列：{'、'.join(missing)}", field="file")
    report = XlsxImportReport()
    for line_no, values in enumerate(rows, start=2):
        if values is None or all(v in (None, "") for v in values):
            continue
        row = dict(zip(titles, values, strict=False))
        try:
            number = _import_row(row, actor=actor)
        except ValidationFailed as error:
            report.errors.append(f"第 {line_no} 行：{error.message}")
        except Conflict as error:
            report.errors.append(f"第 {line_no} 行：{error.message}")
        else:
            report.imported.append(number)
    book.close()
    return report


def _import_row(row: Mapping[str, Any], *, actor: object) -> str:
    values = {key: row.get(title) for title, key in XLSX_COLUMNS.items()}
    number = _text(values["number"], "证照编号", "证照编号")[:120]
    licence_type = _find_type(_text(values["type"], "证照类型代码", "证照类型代码"), "type")
    issuer = _find_issuer(_text(values["issuer"], "发证机关编码", "发证机关编码"), "issuer")
    kind_text = _text(values["holder_kind"], "持证主体类型", "持证主体类型")
    kind = _HOLDER_KINDS.get(kind_text, kind_text)
    holder = _find_holder(
        kind, _text(values["holder_id"], "持证主体证件号码", "证件号码").upper(), "holder"
    )
    _check_holder_kind(licence_type, holder)
    issued_on = _parse_date(values["issued_on"], "颁发日期")
    valid_from = _parse_date(values["valid_from"], "有效期起")
    valid_until = _parse_date(values["valid_until"], "有效期至", optional=True)
    data = _clean_data(
        {t: v for t, v in row.items() if t and t not in XLSX_COLUMNS and v not in (None, "")}
    )
    data.setdefault("holder_name", holder.name)
    with transaction.atomic():
        if Licence.objects.filter(number=number).exists():
            raise Conflict(f"编号为“{number}”的证照已存在")
        licence = Licence(
            number=number,
            type=licence_type,
            issuer=issuer,
            data=data,
            issued_on=issued_on,
            valid_from=valid_from,
            valid_until=valid_until,
            source=Licence.Source.IMPORTED,
            trust_level=Licence.Trust.B,
            **_holder_fields(holder, None),
        )
        licence.signature = sign(licence_canonical(licence), owner=PLATFORM).as_dict()
        licence.save()
        audit_append(
            action="licences.licence.import",
            actor=actor,
            object_type="licences.licence",
            object_id=number,
            data={"type": licence_type.code, "issuer": issuer.code, "trust": "B"},
        )
    return number


def licence_type_code_valid(code: str) -> bool:
    return bool(_CODE_RE.match(code or ""))


def licence_get(number: str) -> Licence:
    licence = Licence.objects.select_related("type", "issuer").filter(number=number).first()
    if licence is None:
        raise NotFound(f"未找到编号为“{number}”的电子证照", field="number")
    return licence


def licence_register_sealed(
    *,
    number: str,
    licence_type: LicenceType,
    holder: Person,
    issuer: Department,
    data: Mapping[str, Any] | None,
    issued_on: dt.date,
    valid_from: dt.date,
    valid_until: dt.date | None,
    signature: Mapping[str, Any],
    subcase: SubCase | None = None,
    application: Application | None = None,
    actor: object = "",
) -> Licence:
    """Register a licence issued and sealed elsewhere (跨域通办: the region that decided the
    case): its signature must verify over the licence's canonical bytes under a key of the
    issuer's seal already known here (trust level A, source imported), so it verifies again
    later like our own. Idempotent: the same number with the same signature returns the
    licence already registered."""
    from yishi.licences.verification import signature_holds

    number = _text(number, "licence.number", "证照编号")[:120]
    _check_holder_kind(licence_type, holder)
    licence = Licence(
        number=number,
        type=licence_type,
        issuer=issuer,
        data=_clean_data(data),
        issued_on=issued_on,
        valid_from=valid_from,
        valid_until=valid_until,
        source=Licence.Source.IMPORTED,
        trust_level=Licence.Trust.A,
        signature=dict(signature),
        **_holder_fields(holder, None),
    )
    if not signature_holds(licence):
        raise ValidationFailed(
            "电子签章验证未通过：证照内容与签章不符或签章不属于该发证机关", field="signature"
        )
    with transaction.atomic():
        existing = Licence.objects.select_for_update(no_key=True).filter(number=number).first()
        if existing is not None:
            if existing.signature == licence.signature and existing.issuer_id == issuer.pk:
                return existing
            raise Conflict(f"编号为“{number}”的证照已存在", field="licence.number")
        if subcase is not None and not Licence.objects.filter(subcase=subcase).exists():
            licence.subcase = subcase
        licence.save()
        audit_append(
            action="licences.licence.import",
            actor=actor,
            object_type="licences.licence",
            object_id=number,
            data={
                "type": licence_type.code,
                "issuer": issuer.code,
                "key_id": licence.signature.get("key_id", ""),
                "trust": "A",
            },
        )
        if application is not None:
            licence_attach_to_application(licence=licence, application=application)
    return licence
