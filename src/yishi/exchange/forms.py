"""What the 全程网办 page and the counter screen share: the files of a failed check kept for
the next try, and the Idempotency-Key that makes a double submit one case.

Kept files: every upload that passed the content check is stored at once (SM4, keyed by SM3,
exchange.services.file_store) and noted in the signed-in user's session under the form it
belongs to. The page shows it as attached (hidden field `kept.<n>` = its SM3) with a way to
remove or replace it; on the next submit a `kept.<n>` is honoured only when this user's
session holds that very file for that very slot, so nobody attaches another person's file by
sending its digest.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from yishi.core.errors import DomainError
from yishi.core.models import IdempotencyRecord
from yishi.core.uploads import check_upload
from yishi.exchange.models import AgreedMatter
from yishi.exchange.services import file_bytes, file_store

SESSION_KEY = "exchange.kept"
KEY_FIELD = "idempotency_key"


def _slot_key(request: HttpRequest, form: str, agreed: AgreedMatter) -> str:
    return f"{request.user.pk}:{form}:{agreed.pk}"


def kept_forget(request: HttpRequest, form: str, agreed: AgreedMatter) -> None:
    kept = request.session.get(SESSION_KEY) or {}
    if kept.pop(_slot_key(request, form, agreed), None) is not None:
        request.session[SESSION_KEY] = kept


def _kept(request: HttpRequest, form: str, agreed: AgreedMatter) -> dict[str, dict[str, Any]]:
    return dict((request.session.get(SESSION_KEY) or {}).get(_slot_key(request, form, agreed), {}))


def _keep(
    request: HttpRequest, form: str, agreed: AgreedMatter, slots: dict[str, dict[str, Any]]
) -> None:
    kept = dict(request.session.get(SESSION_KEY) or {})
    key = _slot_key(request, form, agreed)
    if slots:
        kept[key] = slots
    else:
        kept.pop(key, None)
    request.session[SESSION_KEY] = kept


def material_files(
    request: HttpRequest,
    agreed: AgreedMatter,
    *,
    form: str,
    field: str,
    errors: dict[str, str],
    missing: str = "请上传“{}”",
) -> tuple[list[tuple[str, str, bytes]], dict[int, dict[str, Any]]]:
    """Each unified material's file: a new upload (field `<field>.<n>`, checked by content,
    kept at once), else the file kept for this slot from an earlier try unless removed
    (`drop.<n>`). Returns the (material name, media type, bytes) found and, per slot, the
    kept file to show; a missing or refused one is noted in `errors` beside its field."""
    before = _kept(request, form, agreed)
    slots: dict[str, dict[str, Any]] = {}
    found: list[tuple[str, str, bytes]] = []
    for n, name in enumerate(agreed.materials or [], 1):
        key = f"{field}.{n}"
        upload = request.FILES.get(key)
        if upload is not None:
            try:
                checked = check_upload(name=upload.name, data=upload, field=key)
            except DomainError as exc:
                errors[key] = exc.message
                continue
            entry = file_store(checked.name, checked.content_type, checked.content)
            slots[str(n)] = {
                "sm3": entry["sm3"],
                "name": checked.name[:100],
                "media_type": checked.content_type,
                "size": checked.size,
            }
            found.append((name, checked.content_type, checked.content))
            continue
        slot = before.get(str(n))
        claimed = request.POST.get(f"kept.{n}", "")
        dropped = request.POST.get(f"drop.{n}") == "yes"
        if slot is not None and claimed == slot["sm3"] and not dropped:
            try:
                data = file_bytes(slot["sm3"])
            except DomainError:
                errors[key] = missing.format(name)
                continue
            slots[str(n)] = slot
            found.append((name, slot["media_type"], data))
            continue
        errors[key] = missing.format(name)
    _keep(request, form, agreed, slots)
    return found, {int(n): slot for n, slot in slots.items()}


def idempotency_key(request: HttpRequest) -> str:
    """The form's key: the one it was rendered with (kept across a failed check), or new."""
    posted = (request.POST.get(KEY_FIELD) or "").strip() if request.method == "POST" else ""
    if posted and len(posted) <= 100 and posted.isascii() and posted.isprintable():
        return posted
    return str(uuid.uuid4())


def replayed(request: HttpRequest, scope: str) -> dict[str, Any] | None:
    """The first outcome of this form's key when it already went through: a double submit is
    answered with it before anything else is checked (its kept files are gone by then)."""
    key = (request.POST.get(KEY_FIELD) or "").strip()
    if not key:
        return None
    record = (
        IdempotencyRecord.objects.filter(
            scope=scope,
            owner=f"user:{request.user.pk}",
            key=key,
            status=IdempotencyRecord.Status.COMPLETED,
            expires_at__gt=timezone.now(),
        )
        .values_list("response_body", flat=True)
        .first()
    )
    return record if isinstance(record, dict) else None
