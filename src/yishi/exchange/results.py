"""The result document of a cross-region case as an e-licence sealed by the region that
decided it, and its registration as a licence record on the side that received the case.

The deciding region signs the licence's canonical bytes (yishi.licence/1, see
yishi.licences.canonical) with its exchange SM2 key: that key is the seal both sides already
know, so nothing but the partner record is needed to verify the licence, today or years later.
The receiving side represents the foreign issuer as a department of its own catalog for the
partner region (code = the region code) and registers the partner's public key as a
verify-only key of that department's seal; the licence then verifies through the ordinary
licence verification (trust level A, source imported).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from tongsuopy.crypto import hashes
from tongsuopy.crypto.asymciphers import ec

from yishi.catalog.models import Department, Region, RegionLevel
from yishi.core.audit import audit_append
from yishi.core.crypto import mask, sm3_hex
from yishi.core.dates import add_years
from yishi.core.errors import ValidationFailed
from yishi.core.models import SigningKey
from yishi.exchange import conf, protocol
from yishi.exchange.models import Crossing, Partner
from yishi.licences.canonical import canonical_bytes, canonical_fields
from yishi.licences.models import Licence, LicenceType, seal_owner
from yishi.licences.queries import licence_type_for_matter
from yishi.licences.services import licence_register_sealed
from yishi.people.queries import person_by_id_number

ALGORITHM = "SM2-SM3"
_TYPE_CODE = re.compile(r"^[A-Z0-9]{2,20}$")


def seal_key_id(public_pem: str) -> str:
    """The key's identifier in a licence signature: the first 16 hex digits of the SM3 of its
    SubjectPublicKeyInfo DER (what yishi.core.signing uses, recomputable anywhere)."""
    return conf.public_key_fingerprint(public_pem)[:16]


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None


def _signed_bytes(document: dict[str, Any]) -> bytes:
    holder = document["holder"]
    return canonical_bytes(
        canonical_fields(
            number=document["number"],
            type_code=document["type"],
            holder_kind=holder["kind"],
            holder_id=holder["id"],
            issuer_code=document["issuer"],
            data=document.get("data") or {},
            issued_on=_date(document["issued_on"]),
            valid_from=_date(document["valid_from"]),
            valid_until=_date(document.get("valid_until")),
        )
    )


# ---------------------------------------------------------------- deciding side


def _type_for(crossing: Crossing, result_name: str) -> tuple[str, str]:
    """(code, name) of the result's licence type: the matter's own licence type when our
    catalog has one (the national type codes are shared), else the agreed matter's code."""
    licence_type = licence_type_for_matter(crossing.subcase.matter)
    if licence_type is not None:
        return licence_type.code, licence_type.name
    code = re.sub(r"[^A-Z0-9]", "", crossing.agreed.code.upper())[:20]
    if not _TYPE_CODE.match(code):
        code = "KY" + sm3_hex(crossing.agreed.code)[:10].upper()
    return code, result_name or crossing.agreed.result_name


def result_document(crossing: Crossing, result_name: str, day: dt.date) -> dict[str, Any]:
    """The approved case's result as an e-licence, sealed with our exchange key."""
    application = crossing.application
    subcase = crossing.subcase
    person = application.person
    type_code, type_name = _type_for(crossing, result_name)
    licence_type = LicenceType.objects.filter(code=type_code).first()
    valid_until = None
    if licence_type is not None and licence_type.validity_years:
        valid_until = add_years(day, licence_type.validity_years) - dt.timedelta(days=1)
    data = {
        "办理结果": result_name or crossing.agreed.result_name,
        "办理事项": crossing.agreed.name,
        "办理部门": subcase.department.name,
        "办理地申请编号": application.number,
    }
    if crossing.remote_number:
        data["收件地申请编号"] = crossing.remote_number
    document: dict[str, Any] = {
        "number": f"{conf.region()}-{application.number}-{subcase.pk}",
        "name": type_name,
        "type": type_code,
        "holder": {"kind": "person", "id": str(person.id_number), "name": person.name},
        "issuer": conf.region(),
        "issuer_name": subcase.department.name,
        "issued_on": day.isoformat(),
        "valid_from": day.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "data": data,
    }
    raw = _signed_bytes(document)
    der = conf.private_key().sign(raw, ec.ECDSA(hashes.SM3()))
    document["signature"] = {
        "algorithm": ALGORITHM,
        "key_id": seal_key_id(conf.public_key_pem()),
        "digest": sm3_hex(raw),
        "value": der.hex(),
    }
    return document


def kept_copy(document: dict[str, Any]) -> dict[str, Any]:
    """What a crossing keeps of a result document: the ID number masked (the full document
    lives in the encrypted envelope and, on the receiving side, in the licence record)."""
    copy = dict(document)
    holder = dict(copy.get("holder") or {})
    if holder.get("id"):
        holder["id"] = mask(str(holder["id"]))
    copy["holder"] = holder
    return copy


# ---------------------------------------------------------------- receiving side


def seal_holds(partner: Partner, document: dict[str, Any]) -> bool:
    """True when the document's signature is the partner's exchange key over its canonical
    bytes; never raises for a bad document or signature."""
    try:
        signature = document["signature"]
        raw = _signed_bytes(document)
        if signature.get("algorithm") != ALGORITHM:
            return False
        if signature.get("key_id") != seal_key_id(partner.public_key_pem):
            return False
        if signature.get("digest") != sm3_hex(raw):
            return False
        der = bytes.fromhex(signature["value"])
        protocol._public(partner.public_key_pem).verify(der, raw, ec.ECDSA(hashes.SM3()))
    except Exception:  # malformed document, DER or key; InvalidSignature
        return False
    return True


def _region_level(code: str) -> int:
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.CITY
    return RegionLevel.COUNTY


def partner_issuer(partner: Partner) -> Department:
    """The department standing for the partner region as the issuer of the licences it seals
    (code = the region code, kind government, in a region row of its own), with the partner's
    current exchange key registered as a verify-only key of its seal. Idempotent; a key that
    changed is added (the old one still verifies the licences it sealed)."""
    with transaction.atomic():
        region, _ = Region.objects.get_or_create(
            code=partner.code,
            defaults={"name": partner.name, "level": _region_level(partner.code)},
        )
        department = Department.objects.filter(code=partner.code).first()
        if department is None:
            department = Department.objects.create(
                code=partner.code,
                name=partner.name,
                short_name=partner.name[:30],
                kind=Department.Kind.GOVERNMENT,
                region=region,
            )
        elif department.region_id != region.pk:
            raise ValidationFailed(
                f"部门编码“{partner.code}”已被本区部门使用，不能作为{partner.name}的发证机关",
                field="code",
            )
        elif department.name != partner.name:
            department.name = partner.name
            department.save(update_fields=["name"])
        key_id = seal_key_id(partner.public_key_pem)
        owner = seal_owner(department)
        key = SigningKey.objects.filter(key_id=key_id).first()
        if key is None:
            SigningKey.objects.create(
                owner=owner,
                key_id=key_id,
                public_pem=partner.public_key_pem,
                # Verify-only: the partner keeps its private key; ours never signs for it.
                private_pem_encrypted="",
                active=False,
                retired_at=timezone.now(),
            )
            audit_append(
                action="exchange.partner_seal.register",
                object_type="signing_key",
                object_id=key_id,
                data={"owner": owner, "partner": partner.code},
            )
        elif key.owner != owner:
            raise ValidationFailed(
                f"{partner.name}的公钥已登记为其他签章主体的密钥", field="public_key_pem"
            )
    return department


def _licence_type(document: dict[str, Any], crossing: Crossing) -> LicenceType:
    """Our licence type for the document's type code: the one we have (shared national code),
    else one made for the partner's result."""
    code = document["type"]
    found = LicenceType.objects.filter(code=code).first()
    if found is not None:
        return found
    names = [
        document["name"],
        f"{document['name']}（{crossing.agreed.name}）",
        f"{document['name']}（{crossing.partner.name} {code}）",
    ]
    name = next(
        (n[:60] for n in names if not LicenceType.objects.filter(name=n[:60]).exists()), code
    )
    return LicenceType.objects.create(code=code, name=name, holder_kind="person")


def result_register(partner: Partner, crossing: Crossing, document: dict[str, Any]) -> Licence:
    """The partner's result document as a licence record here, held by the applicant."""
    if document.get("issuer") != partner.code:
        raise ValidationFailed("结果文书的发证地区不是办理地", field="licence.issuer")
    if not _TYPE_CODE.match(str(document.get("type", ""))):
        raise ValidationFailed("证照类型代码须为 2–20 位大写字母或数字", field="licence.type")
    person = crossing.application.person
    holder = document.get("holder") or {}
    if holder.get("kind") != "person" or person_by_id_number(str(holder.get("id", ""))) != person:
        raise ValidationFailed("结果文书的持证人不是本件申请人", field="licence.holder")
    issuer = partner_issuer(partner)
    issued_on = _date(document["issued_on"])
    return licence_register_sealed(
        number=document["number"],
        licence_type=_licence_type(document, crossing),
        holder=person,
        issuer=issuer,
        data=document.get("data") or {},
        issued_on=issued_on,
        valid_from=_date(document.get("valid_from")) or issued_on,
        valid_until=_date(document.get("valid_until")),
        signature={k: document["signature"][k] for k in ("algorithm", "key_id", "digest", "value")},
        subcase=crossing.subcase,
        application=crossing.application,
        actor=f"exchange:{partner.code}",
    )


def crossing_licence(crossing: Crossing) -> Licence | None:
    number = (crossing.result or {}).get("number")
    if not number or crossing.role != Crossing.Role.RECEIVING:
        return None
    return Licence.objects.filter(number=number).first()
