"""Drafts of online applications: an Application row in status "draft" that the applicant
fills step by step (answers, the one form, materials), then signs and submits.

A draft has a provisional number ("D" + 19 hex digits). Submitting runs the ordinary
`application_submit` (all its validation, its own number and its "submit" event), moves the
draft's uploaded materials onto the new application, records the SM3 hash of the signed
content in the note of the "submit" event, and deletes the draft. The whole submission runs
under an Idempotency-Key (scope DRAFT_SUBMIT_SCOPE, request = the draft's id): a double click
or a resubmitted page replays the first outcome and never creates a second application.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from yishi.cases.models import Application, CaseEvent, CaseMaterial
from yishi.cases.services import application_submit
from yishi.catalog.models import Matter
from yishi.catalog.notice import is_exempt
from yishi.core.audit import canonical_json
from yishi.core.crypto import sm3_hex
from yishi.core.errors import NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.idempotency import idempotent
from yishi.core.uploads import store_upload
from yishi.people.models import ApplicantAccount, Company, CompanyAgent
from yishi.people.queries import can_act_for
from yishi.themes.materials import FORM_LABELS, MaterialLine, material_set, requirement
from yishi.themes.models import Theme
from yishi.themes.queries import theme_prepared
from yishi.themes.tailoring import validate_answers

DRAFT_SUBMIT_SCOPE = "applications.draft_submit"
AS = Application.Status
# Statuses in which the applicant may still attach a material (a draft, or a 补正).
ATTACHABLE = (AS.DRAFT, AS.SUPPLEMENT_REQUESTED, AS.ACCEPTED)


def line_key(line: MaterialLine) -> str:
    """The key one material line is stored under (CaseMaterial.kind)."""
    return (line.kind or line.name)[:60]


def needs_upload(line: MaterialLine) -> bool:
    """Whether the applicant hands this line in: themes.materials.requirement decides."""
    return requirement(line).to_bring


def draft_lines(application: Application) -> list[MaterialLine]:
    """The material lines of the draft's answers (a single matter: its own materials)."""
    if application.theme_id:
        # The theme's structure from the process cache that submission reads too: a page
        # asks for the lines several times, and the bare theme read them item by item.
        return material_set(theme_prepared(application.theme), application.answers)
    return [
        MaterialLine(
            kind=m.kind,
            name=m.name,
            required=m.required,
            form=FORM_LABELS.get(m.form, m.form),
            form_code=m.form,
            copies=m.copies,
            source=m.source,
            licence_type=m.licence_type,
            deferrable=m.deferrable,
            note=m.note,
            matters=[application.matter.name],
            exempt=is_exempt(m),
            produced_in_theme=False,
            material_ids=[m.pk],
        )
        for m in application.matter.materials.all()
    ]


def draft_for(user: Any, draft_id: int) -> Application:
    """The user's own draft, or NotFound."""
    draft = (
        Application.objects.filter(
            pk=draft_id, applicant_id=getattr(user, "pk", None), status=AS.DRAFT
        )
        .select_related("theme", "matter", "company", "person")
        .first()
    )
    if draft is None:
        raise NotFound("草稿不存在或已提交", field="draft")
    return draft


def draft_save(
    *,
    user: Any,
    theme: Theme | None = None,
    matter: Matter | None = None,
    answers: Mapping[str, Any] | None = None,
    form_data: Mapping[str, Any] | None = None,
    company: Company | None = None,
    application: Application | None = None,
) -> Application:
    """Create the draft, or update the user's draft: answers are checked against the theme's
    questions (the form is checked on submission, so a half-filled form can be kept)."""
    account = ApplicantAccount.objects.filter(user_id=getattr(user, "pk", None)).first()
    if account is None:
        raise PermissionDeniedError("只有已注册的申请人可以在线办理", field="user")
    if company is not None and not can_act_for(user, company, CompanyAgent.Scope.APPLY):
        raise NotFound(f"企业 {company.uscc} 不存在或您未获授权代其办理", field="company")
    with transaction.atomic():
        if application is None:
            if (theme is None) == (matter is None):
                raise ValidationFailed(
                    "请选择一个一件事主题或一个事项（二者只能选一）", field="theme"
                )
            draft = Application(
                number=f"D{uuid.uuid4().hex[:19]}",
                applicant=user,
                person=account.person,
                theme=theme,
                matter=matter,
                status=AS.DRAFT,
            )
        else:
            draft = draft_for(user, application.pk)
        if answers is not None and draft.theme_id:
            draft.answers = validate_answers(draft.theme, answers)
        if form_data is not None:
            draft.form_data = {str(k): v for k, v in form_data.items()}
        if company is not None:
            draft.company = company
        draft.save()
    return draft


def material_attach(
    *, application: Application, user: Any, kind: str, name: str, upload_name: str, data: Any
) -> CaseMaterial:
    """Check and keep one uploaded material for the application (a draft or a 补正),
    replacing an earlier upload of the same kind. A refused file stores nothing."""
    if application.applicant_id != getattr(user, "pk", None):
        raise NotFound("申请不存在", field="application")
    if application.status not in ATTACHABLE:
        raise ValidationFailed(
            f"申请当前状态为“{application.get_status_display()}”，不能上传材料", field="status"
        )
    field = f"material.{kind}"
    with transaction.atomic():
        stored = store_upload(name=upload_name, data=data, actor=user, field=field)
        CaseMaterial.objects.filter(application=application, kind=kind[:60]).delete()
        return CaseMaterial.objects.create(
            application=application,
            kind=kind[:60],
            name=name[:150],
            stored_file=stored,
            source=CaseMaterial.Source.UPLOAD,
        )


def material_reference(
    *, application: Application, user: Any, kind: str, name: str, source: str
) -> CaseMaterial:
    """Record a draft's material line as satisfied without an upload (an e-licence the
    applicant holds: 免证明; data a department shares), so it counts as present and the
    departments see where it comes from. Keeps an upload or a promise the applicant chose;
    idempotent."""
    if application.applicant_id != getattr(user, "pk", None):
        raise NotFound("申请不存在", field="application")
    if application.status != Application.Status.DRAFT:
        raise ValidationFailed("只有草稿可以调取证照", field="status")
    if source not in (CaseMaterial.Source.LICENCE, CaseMaterial.Source.SHARED):
        raise ValidationFailed("不支持该材料来源", field="source")
    with transaction.atomic():
        existing = CaseMaterial.objects.filter(application=application, kind=kind[:60]).first()
        if existing is not None:
            return existing
        return CaseMaterial.objects.create(
            application=application, kind=kind[:60], name=name[:150], source=source
        )


def material_promise(
    *, application: Application, user: Any, kind: str, name: str, promised: bool
) -> CaseMaterial | None:
    """Mark a material line as promised instead of uploaded (容缺 / 告知承诺), or take the
    mark back. The promise itself is signed at submission (credit.commitments); an upload of
    the same line replaces the mark."""
    if application.applicant_id != getattr(user, "pk", None):
        raise NotFound("申请不存在", field="application")
    if application.status != Application.Status.DRAFT:
        raise ValidationFailed("只有草稿可以选择承诺后补", field="status")
    with transaction.atomic():
        rows = CaseMaterial.objects.filter(application=application, kind=kind[:60])
        if not promised:
            rows.filter(source=CaseMaterial.Source.COMMITMENT).delete()
            return None
        rows.delete()
        return CaseMaterial.objects.create(
            application=application,
            kind=kind[:60],
            name=name[:150],
            source=CaseMaterial.Source.COMMITMENT,
        )


def missing_materials(application: Application) -> list[MaterialLine]:
    """Required lines that need an upload and have none yet."""
    have = set(application.materials.values_list("kind", flat=True))
    return [
        line
        for line in draft_lines(application)
        if needs_upload(line) and line.required and line_key(line) not in have
    ]


def signed_content(application: Application) -> dict[str, Any]:
    """What the applicant signs: the choice, the answers, the form and each file's SM3."""
    return {
        "theme": application.theme.code if application.theme_id else None,
        "matter": application.matter.code if application.matter_id else None,
        "company": application.company_id,
        "answers": application.answers,
        "form_data": application.form_data,
        "materials": sorted(
            [m.kind, m.stored_file.sm3 if m.stored_file_id else ""]
            for m in application.materials.select_related("stored_file")
        ),
    }


def signature_hash(application: Application) -> str:
    return sm3_hex(canonical_json(signed_content(application)))


def draft_submit(
    *,
    draft_id: int,
    user: Any,
    idempotency_key: str | None,
    pledged: bool,
    service_centre: str | None = None,
) -> Application:
    """Submit the user's draft once (see the module docstring)."""
    if not pledged:
        raise ValidationFailed("请勾选“本人承诺以上信息真实有效”后再提交", field="pledge")

    def action() -> tuple[int, dict, int]:
        draft = draft_for(user, draft_id)
        missing = missing_materials(draft)
        if missing:
            line = missing[0]
            raise ValidationFailed(
                f"「{line.name}」：请上传该材料后再提交", field=f"material.{line_key(line)}"
            )
        app = application_submit(
            user=user,
            theme=draft.theme,
            matter=draft.matter,
            answers=draft.answers if draft.theme_id else None,
            form_data=draft.form_data,
            company=draft.company,
            service_centre=service_centre,
        )
        draft.materials.update(application=app)
        digest = signature_hash(app)
        CaseEvent.objects.filter(application=app, action="submit").update(
            note=f"申请人承诺以上信息真实有效并电子签名，SM3 {digest}"
        )
        draft.delete()
        return 201, {"number": app.number}, app.pk

    outcome = idempotent(
        key=idempotency_key,
        scope=DRAFT_SUBMIT_SCOPE,
        owner=f"user:{user.pk}",
        request={"draft": int(draft_id)},
        action=action,
    )
    return Application.objects.get(pk=int(outcome.resource_id))


def messages_mark_read(*, user: Any, application: Application) -> int:
    """Mark the user's unread in-platform messages of the application as read."""
    return application.messages.filter(user_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
