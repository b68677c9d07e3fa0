"""Verifying a licence: recompute its canonical bytes from the stored fields and check the
SM2 signature under the key it names, which must belong to the issuer's seal (or, for
licences imported from a spreadsheet and verified by staff, to the platform)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from yishi.core.models import SigningKey
from yishi.core.signing import PLATFORM, verify
from yishi.licences.canonical import licence_canonical
from yishi.licences.models import Licence, seal_owner

VALID, EXPIRED, REVOKED, TAMPERED, NOT_FOUND = (
    "valid",
    "expired",
    "revoked",
    "tampered",
    "not_found",
)
STATE_LABELS = {
    VALID: "有效",
    EXPIRED: "已过期",
    REVOKED: "已撤销",
    TAMPERED: "被篡改",
    NOT_FOUND: "不存在",
}


@dataclass(frozen=True)
class VerifyResult:
    state: str  # valid | expired | revoked | tampered | not_found
    message: str
    number: str = ""
    issuer: str = ""  # the issuing department's name
    type_name: str = ""
    licence: Licence | None = None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def ok(self) -> bool:
        return self.state == VALID


def expected_signer(licence: Licence) -> str:
    """The signing-key owner a licence's signature must come from."""
    if licence.trust_level == Licence.Trust.B:
        return PLATFORM
    return seal_owner(licence.issuer)


def signature_holds(licence: Licence) -> bool:
    """True when the stored signature is the expected signer's over the canonical bytes."""
    signature = licence.signature or {}
    key_id = signature.get("key_id") if isinstance(signature, dict) else None
    if not isinstance(key_id, str) or not key_id:
        return False
    owner = SigningKey.objects.filter(key_id=key_id).values_list("owner", flat=True).first()
    if owner != expected_signer(licence):
        return False
    try:
        canonical = licence_canonical(licence)
    except (TypeError, ValueError):
        return False
    return verify(canonical, signature)


def licence_verify(
    number_or_licence: str | Licence, *, today: dt.date | None = None
) -> VerifyResult:
    """valid / expired / revoked / tampered / not_found, with the issuer and a message."""
    if isinstance(number_or_licence, Licence):
        number = number_or_licence.number
        licence = (
            Licence.objects.select_related("type", "issuer", "person", "company", "applicant")
            .filter(pk=number_or_licence.pk)
            .first()
        )
    else:
        number = (number_or_licence or "").strip()
        licence = (
            Licence.objects.select_related("type", "issuer", "person", "company", "applicant")
            .filter(number=number)
            .first()
            if number
            else None
        )
    if licence is None:
        return VerifyResult(NOT_FOUND, f"未找到编号为“{number}”的电子证照，请核对编号。", number)
    base = {
        "number": licence.number,
        "issuer": licence.issuer.name,
        "type_name": licence.type.name,
        "licence": licence,
    }
    if not signature_holds(licence):
        return VerifyResult(
            TAMPERED,
            "电子签章验证未通过：证照内容或签章已被篡改，该证照不可采信。",
            **base,
        )
    if licence.status == Licence.Status.REVOKED:
        when = (
            timezone.localtime(licence.revoked_at).strftime("%Y-%m-%d")
            if licence.revoked_at
            else ""
        )
        reason = f"，理由：{licence.revoked_reason}" if licence.revoked_reason else ""
        return VerifyResult(REVOKED, f"该证照已于{when}被发证机关撤销{reason}。", **base)
    day = today or timezone.localdate()
    if licence.valid_until is not None and licence.valid_until < day:
        return VerifyResult(
            EXPIRED, f"该证照有效期至{licence.valid_until:%Y-%m-%d}，已过期。", **base
        )
    trust = "（工作人员核验导入，可信等级B）" if licence.trust_level == Licence.Trust.B else ""
    return VerifyResult(
        VALID,
        f"电子签章验证通过，由{licence.issuer.name}签发，证照有效{trust}。",
        **base,
    )
