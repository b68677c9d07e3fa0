"""Online application pages (在线办理) and the applicant's tracking pages (我的申请).

Steps of a theme: 1 tailoring answers → 2 the one form (prefilled) → 3 materials, each once
→ 4 review, pledge (signature) and submit under an Idempotency-Key. The draft application
row is saved at every step. Thin: each POST calls one service of yishi.cases.drafts or
yishi.cases.services and shows a domain error's Chinese message beside the field it names.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from yishi.cases import deadlines, drafts
from yishi.cases.models import Application, CaseMaterial, SubCase
from yishi.cases.queries import application_for
from yishi.cases.services import application_supplement_provided, staff_profile
from yishi.cases.timeline import timeline
from yishi.catalog.centres import district_centre_id, service_centres
from yishi.catalog.models import Material, Matter
from yishi.core import keyset, ocr
from yishi.core.errors import DomainError, NotFound
from yishi.credit.commitments import commitment_sign
from yishi.credit.queries import commitment_restriction
from yishi.licences.instant import instant_shared_materials
from yishi.licences.queries import held_licence_finder, normalise_material_name
from yishi.people.models import Company, CompanyAgent
from yishi.people.queries import acting_companies
from yishi.portal.views import _question_forms
from yishi.themes import form_rules
from yishi.themes.form import (
    FormInvalid,
    applicable_fields,
    display_value,
    field_options,
    form_schema,
    prefill,
    validate_form,
)
from yishi.themes.materials import requirement
from yishi.themes.models import Theme, ThemeFormField
from yishi.themes.queries import theme_by_code
from yishi.themes.tailoring import answer_label

LOGIN_URL = "/account/login/"
MAX_INPUT = 500
STEPS = ("情形选择", "填写申请表", "上传材料", "确认提交")
BADGES = {deadlines.OK: "正常", deadlines.WARNING: "临近", deadlines.OVERDUE: "超期"}

applicant_page = login_required(login_url=LOGIN_URL)


def _draft(request: HttpRequest, draft_id: int) -> Application:
    try:
        return drafts.draft_for(request.user, draft_id)
    except NotFound:
        raise Http404("草稿不存在或已提交") from None


def _ctx(draft: Application | None, step: int, **extra: Any) -> dict[str, Any]:
    return {"draft": draft, "step": step, "steps": STEPS, **extra}


# ---------------------------------------------------------------- step 1: answers


def _answers_page(
    request: HttpRequest, theme: Theme, draft: Application | None, values: dict[str, str]
) -> HttpResponse:
    error, status = None, 200
    if request.method == "POST":
        try:
            draft = drafts.draft_save(
                user=request.user,
                theme=theme if draft is None else None,
                answers=values,
                application=draft,
            )
        except DomainError as exc:
            error, status = exc, 400
        else:
            return redirect("apply:form", draft_id=draft.pk)
    return render(
        request,
        "portal/apply/answers.html",
        _ctx(
            draft,
            1,
            theme=theme,
            error=error.message if error else "",
            questions=_question_forms(theme, values, error.field if error else None),
        ),
        status=status,
    )


@applicant_page
@require_http_methods(["GET", "POST"])
def start_theme(request: HttpRequest, code: str) -> HttpResponse:
    try:
        theme = theme_by_code(code)
    except NotFound:
        raise Http404("一件事主题不存在或未发布") from None
    values = {
        k: v.strip()[:MAX_INPUT] for k, v in request.POST.items() if k != "csrfmiddlewaretoken"
    }
    return _answers_page(request, theme, None, values)


@applicant_page
@require_http_methods(["GET", "POST"])
def start_matter(request: HttpRequest, code: str) -> HttpResponse:
    """A single matter has no tailoring: GET shows what will be asked, POST opens the draft."""
    matter = Matter.objects.filter(code=code, status=Matter.Status.PUBLISHED).first()
    if matter is None:
        raise Http404("事项不存在或未发布")
    error = ""
    if request.method == "POST":
        try:
            draft = drafts.draft_save(user=request.user, matter=matter)
        except DomainError as exc:
            error = exc.message
        else:
            return redirect("apply:materials", draft_id=draft.pk)
    return render(
        request,
        "portal/apply/start_matter.html",
        _ctx(None, 1, matter=matter, error=error),
        status=400 if error else 200,
    )


@applicant_page
@require_http_methods(["GET", "POST"])
def answers(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _draft(request, draft_id)
    if request.method == "POST":
        values = {
            k: v.strip()[:MAX_INPUT] for k, v in request.POST.items() if k != "csrfmiddlewaretoken"
        }
    else:
        values = dict(draft.answers)
    return _answers_page(request, draft.theme, draft, values)


# ---------------------------------------------------------------- step 2: the one form


@dataclass(frozen=True)
class FormRow:
    field: ThemeFormField
    value: str
    hint: str
    error: str
    options: list[tuple[str, str]]
    input_type: str


INPUT_TYPES = {
    ThemeFormField.Kind.DATE: "date",
    ThemeFormField.Kind.MOBILE: "tel",
    ThemeFormField.Kind.NUMBER: "text",
}


def _form_rows(draft: Application, values: dict[str, Any], errors: dict[str, str]) -> list:
    if not draft.theme_id:
        return []
    props = form_schema(draft.theme, draft.answers)["properties"]
    return [
        FormRow(
            field=f,
            value=str(values.get(f.key, "") or ""),
            hint=props.get(f.key, {}).get("description", ""),
            error=errors.get(f.key, ""),
            options=list(field_options(f).items()),
            input_type=INPUT_TYPES.get(f.kind, "text"),
        )
        for f in applicable_fields(draft.theme, draft.answers)
    ]


def _companies(request: HttpRequest, draft: Application) -> list[Company]:
    """The companies the applicant may act for, when the theme is for companies."""
    if draft.theme_id and draft.theme.audience == Theme.Audience.COMPANY:
        return acting_companies(request.user, scope=CompanyAgent.Scope.APPLY)
    return []


@applicant_page
@require_http_methods(["GET", "POST"])
def form(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _draft(request, draft_id)
    errors: dict[str, str] = {}
    fields = applicable_fields(draft.theme, draft.answers) if draft.theme_id else []
    keys = [f.key for f in fields]
    companies = _companies(request, draft)
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip()[:MAX_INPUT] for k in keys}
        chosen = next((c for c in companies if str(c.pk) == request.POST.get("company")), None)
        draft = drafts.draft_save(
            user=request.user, form_data=values, company=chosen, application=draft
        )
        # Every mistake at once, each beside its field and listed in the summary on top.
        if companies and draft.company_id is None:
            errors["company"] = "请选择申请企业"
        try:
            if draft.theme_id:
                validate_form(draft.theme, draft.answers, values)
        except FormInvalid as exc:
            errors.update(exc.by_field)
        except DomainError as exc:
            errors[exc.field or "form"] = exc.message
        if not errors:
            return redirect("apply:materials", draft_id=draft.pk)
    else:
        values = {
            **(prefill(draft.theme, person=draft.person, company=draft.company) if fields else {}),
            **{k: v for k, v in draft.form_data.items() if v not in ("", None)},
        }
    return render(
        request,
        "portal/apply/form.html",
        _ctx(draft, 2, rows=_form_rows(draft, values, errors), errors=errors, companies=companies),
        status=400 if errors else 200,
    )


# Which recognised field fills which form field: by the registry datum the form field is
# prefilled from, else by the same key.
RECOGNISED_PREFILL = {
    "id_card": {"person.name": "name", "person.id_number": "id_number", "person.sex": "sex"},
    "business_licence": {
        "company.name": "name",
        "company.uscc": "uscc",
        "company.legal_representative": "legal_representative",
        "company.address": "address",
    },
}
RECOGNISERS = {
    "id_card": ("身份证人像面", ocr.recognise_id_card),
    "business_licence": ("营业执照", ocr.recognise_business_licence),
}


def _fill_from(draft: Application, document: str, recognition: ocr.Recognition) -> dict[str, str]:
    """Form key → recognised value, for the fields of this form a recognised field matches;
    a choice field takes the option whose label is the value (性别 "男" → its value)."""
    by_prefill = RECOGNISED_PREFILL[document]
    filled = {}
    fields = applicable_fields(draft.theme, draft.answers) if draft.theme_id else []
    targets = _card_targets(fields, recognition)
    for f in fields:
        name = by_prefill.get(f.prefill) or (f.key if f.key in recognition.fields else None)
        found = recognition.fields.get(name) if name else None
        target = targets.get(f.key)
        if found is None or not found.value or target is None:
            continue
        value = found.value
        options = field_options(target)
        if options:
            value = next((v for v, label in options.items() if value in (v, label)), "")
            if not value:
                continue
        filled[target.key] = value
    return filled


def _card_targets(fields: list[ThemeFormField], recognition: ocr.Recognition) -> dict:
    """Form key → the field a recognised value goes to: itself, except that a card of a man
    fills the father's fields rather than the mother's (and the other way round), never a
    parent field of the other sex."""
    sex_field = recognition.fields.get("sex")
    card_sex = form_rules.sex_code(sex_field.value) if sex_field and sex_field.value else None
    roles = form_rules.person_roles(fields)
    by_key = {f.key: f for f in fields}
    targets: dict[str, ThemeFormField | None] = {}
    for f in fields:
        role = form_rules.ROLE_BY_CODE.get(roles[f.key])
        if card_sex and role is not None and role.sex and role.sex != card_sex:
            other = by_key.get(form_rules.counterpart_key(f.key) or "")
            targets[f.key] = other if other is not None and not other.prefill else None
        else:
            targets[f.key] = f
    return targets


@applicant_page
@require_http_methods(["POST"])
def recognise(request: HttpRequest, draft_id: int) -> HttpResponse:
    """智能识别填单: read an uploaded photo of an ID card or a business licence and show the
    form with the recognised values filled in and every field's check, for the applicant to
    confirm. Nothing is saved until they press 保存."""
    draft = _draft(request, draft_id)
    document = request.POST.get("document", "")
    companies = _companies(request, draft)
    values = {k: v for k, v in draft.form_data.items() if v not in ("", None)}
    if draft.theme_id:
        values = {**prefill(draft.theme, person=draft.person, company=draft.company), **values}
    errors: dict[str, str] = {}
    recognition, filled = None, {}
    image = request.FILES.get("image")
    if document not in RECOGNISERS:
        errors["image"] = "请选择要识别的证件类型（身份证或营业执照）"
    elif image is None:
        errors["image"] = "请选择证件照片（JPEG 或 PNG）"
    else:
        try:
            recognition = RECOGNISERS[document][1](image)
            # The registry's values are named only to the person themselves.
            ocr.cross_check(recognition, reveal=lambda person: person.pk == draft.person_id)
        except DomainError as exc:
            errors["image"] = exc.message
        else:
            filled = _fill_from(draft, document, recognition)
            values.update(filled)
    return render(
        request,
        "portal/apply/form.html",
        _ctx(
            draft,
            2,
            rows=_form_rows(draft, values, {}),
            errors={},
            companies=companies,
            recognition=recognition,
            recognised_label=RECOGNISERS.get(document, ("", None))[0],
            recognised_keys=set(filled),
            recognise_error=errors.get("image", ""),
        ),
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------- step 3: materials


@dataclass(frozen=True)
class MaterialRow:
    key: str
    line: Any
    upload: bool
    reason: str
    stored: Any
    error: str
    promise: str = ""  # "容缺后补" / "告知承诺替代" when the line may be promised instead
    promised: bool = False


def _promisable(draft: Application) -> dict[str, tuple[str, list[dict[str, int]]]]:
    """Lines whose materials a signed commitment may cover, by line key: the label and the
    (matter, material) items to sign. Matters excluded by law never qualify."""
    lines = [line for line in drafts.draft_lines(draft) if drafts.needs_upload(line)]
    ids = {pk for line in lines for pk in line.material_ids}
    flagged = {
        m.pk: m
        for m in Material.objects.filter(pk__in=ids, matter__commitment_exclusion="").filter(
            Q(deferrable=True) | Q(by_commitment=True)
        )
    }
    options = {}
    for line in lines:
        mats = [flagged[pk] for pk in line.material_ids if pk in flagged]
        if not mats:
            continue
        label = "容缺后补" if any(m.deferrable for m in mats) else "告知承诺替代"
        items = [{"matter_id": m.matter_id, "material_id": m.pk} for m in mats]
        options[drafts.line_key(line)] = (label, items)
    return options


def _restriction(request: HttpRequest, draft: Application) -> str:
    """Why this applicant may not use commitment handling now, or ""."""
    if draft.company_id:
        return commitment_restriction(company=draft.company) or ""
    return commitment_restriction(person=draft.person) or ""


def _exempt_reason(line: Any) -> str:
    # The notice shows the same reason: one decision (themes.materials.requirement).
    return f"{requirement(line).reason}，无需提交"


def _attach_held(request: HttpRequest, draft: Application) -> None:
    """免证明: a line the applicant would upload but holds a valid e-licence for is taken
    from the licence (trust level A) and recorded on the draft; nothing is uploaded."""
    have = set(draft.materials.values_list("kind", flat=True))
    lines = [
        line
        for line in drafts.draft_lines(draft)
        if drafts.line_key(line) not in have
        and (
            drafts.needs_upload(line)
            # A document the catalog takes from the licence library: say which licence.
            or (line.source == Material.Source.LICENCE and not line.produced_in_theme)
        )
    ]
    if not lines:
        return
    materials = Material.objects.in_bulk([pk for line in lines for pk in line.material_ids])
    shared = instant_shared_materials(draft.matter) if draft.matter_id else set()
    held_licence = held_licence_finder(person=draft.person, company=draft.company)
    for line in lines:
        if normalise_material_name(line.name) in shared:
            # The matter's 秒批秒办 rule takes this document from shared data.
            drafts.material_reference(
                application=draft,
                user=request.user,
                kind=drafts.line_key(line),
                name=f"{line.name}（部门共享获取）",
                source=CaseMaterial.Source.SHARED,
            )
            continue
        for pk in line.material_ids:
            material = materials.get(pk)
            licence = material and held_licence(material)
            if licence:
                drafts.material_reference(
                    application=draft,
                    user=request.user,
                    kind=drafts.line_key(line),
                    name=f"{line.name}（电子证照 {licence.number}）",
                    source=CaseMaterial.Source.LICENCE,
                )
                break


def _material_rows(draft: Application, errors: dict[str, str]) -> list[MaterialRow]:
    have = {m.kind: m for m in draft.materials.select_related("stored_file")}
    options = _promisable(draft)
    rows = []
    for line in drafts.draft_lines(draft):
        key = drafts.line_key(line)
        stored = have.get(key)
        held = stored is not None and stored.source == CaseMaterial.Source.LICENCE
        shared = stored is not None and stored.source == CaseMaterial.Source.SHARED
        upload = drafts.needs_upload(line) and not held and not shared
        promised = stored is not None and stored.source == CaseMaterial.Source.COMMITMENT
        if held:
            number = stored.name.rpartition("电子证照 ")[2].rstrip("）")
            reason = f"已自动调取您持有的电子证照（编号 {number}），无需上传"
        elif shared:
            reason = "由部门共享数据获取，无需上传"
        else:
            reason = "" if upload else _exempt_reason(line)
        rows.append(
            MaterialRow(
                key=key,
                line=line,
                upload=upload,
                reason=reason,
                stored=None if promised else stored,
                error=errors.get(f"material.{key}", ""),
                promise=options.get(key, ("", []))[0],
                promised=promised,
            )
        )
    return rows


@applicant_page
@require_http_methods(["GET", "POST"])
def materials(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _draft(request, draft_id)
    errors: dict[str, str] = {}
    _attach_held(request, draft)
    if request.method == "POST":
        for line in drafts.draft_lines(draft):
            key = drafts.line_key(line)
            upload = request.FILES.get(f"material.{key}")
            if upload is None or not drafts.needs_upload(line):
                continue
            try:
                drafts.material_attach(
                    application=draft,
                    user=request.user,
                    kind=key,
                    name=line.name,
                    upload_name=upload.name,
                    data=upload,
                )
            except DomainError as exc:
                errors[f"material.{key}"] = exc.message
        _save_promises(request, draft, errors)
        if not errors and request.POST.get("action") == "next":
            missing = drafts.missing_materials(draft)
            for line in missing:
                errors[f"material.{drafts.line_key(line)}"] = f"「{line.name}」：请上传该材料"
            if not missing:
                return redirect("apply:review", draft_id=draft.pk)
    rows = _material_rows(draft, errors)
    restriction = _restriction(request, draft) if any(r.promise for r in rows) else ""
    return render(
        request,
        "portal/apply/materials.html",
        _ctx(draft, 3, rows=rows, errors=errors, restriction=restriction),
        status=400 if errors else 200,
    )


def _save_promises(request: HttpRequest, draft: Application, errors: dict[str, str]) -> None:
    """Apply the 承诺后补 boxes: a ticked box on a line without an upload marks it promised
    (refused with the reason when the applicant may not use commitments); an unticked box
    takes the mark back."""
    options = _promisable(draft)
    if not options:
        return
    restriction = None
    lines = {drafts.line_key(line): line for line in drafts.draft_lines(draft)}
    for key in options:
        field = f"material.{key}"
        if field in errors or request.FILES.get(field) is not None:
            continue
        wanted = request.POST.get(f"promise.{key}") == "yes"
        if wanted:
            if restriction is None:
                restriction = _restriction(request, draft)
            if restriction:
                errors[field] = f"不能选择承诺后补：{restriction}"
                continue
        try:
            drafts.material_promise(
                application=draft,
                user=request.user,
                kind=key,
                name=lines[key].name,
                promised=wanted,
            )
        except DomainError as exc:
            errors[field] = exc.message


# ---------------------------------------------------------------- step 4: review and submit


def _review_context(draft: Application, error: str = "") -> dict[str, Any]:
    questions = list(draft.theme.questions.all()) if draft.theme_id else []
    answer_rows = [(q.text, answer_label(q, draft.answers.get(q.code, ""))) for q in questions]
    # Shown as the applicant chose them: a choice by its label, never its stored code.
    form_rows = [
        (f.label, display_value(f, draft.form_data.get(f.key)))
        for f in (applicable_fields(draft.theme, draft.answers) if draft.theme_id else [])
    ]
    return _ctx(
        draft,
        4,
        answer_rows=answer_rows,
        form_rows=form_rows,
        rows=_material_rows(draft, {}),
        idempotency_key=str(uuid.uuid4()),
        error=error,
        centres=list(service_centres()),
        default_centre=district_centre_id(),
    )


@applicant_page
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, draft_id: int) -> HttpResponse:
    if request.method == "POST":
        try:
            # The submission and the 告知承诺书 it carries are one act: both or neither.
            with transaction.atomic():
                app = drafts.draft_submit(
                    draft_id=draft_id,
                    user=request.user,
                    idempotency_key=request.POST.get("idempotency_key") or None,
                    pledged=request.POST.get("pledge") == "yes",
                    service_centre=request.POST.get("service_centre") or None,
                )
                _sign_promises(request, app)
        except FormInvalid as exc:
            # The stored form no longer passes (a rule on today's date, a draft older than a
            # rule): back to the form step with every fault beside its field, not just one.
            return _form_again(request, _draft(request, draft_id), exc)
        except DomainError as exc:
            draft = _draft(request, draft_id)
            return render(
                request, "portal/apply/review.html", _review_context(draft, exc.message), status=400
            )
        return redirect("apply:detail", number=app.number)
    draft = _draft(request, draft_id)
    return render(request, "portal/apply/review.html", _review_context(draft))


def _form_again(request: HttpRequest, draft: Application, exc: FormInvalid) -> HttpResponse:
    """The form step showing the faults a submission found in the saved form, as the form
    step's own check shows them; the values shown are the saved ones."""
    companies = _companies(request, draft)
    errors: dict[str, str] = {}
    if companies and draft.company_id is None:
        errors["company"] = "请选择申请企业"
    errors.update(exc.by_field)
    return render(
        request,
        "portal/apply/form.html",
        _ctx(
            draft,
            2,
            rows=_form_rows(draft, dict(draft.form_data), errors),
            errors=errors,
            companies=companies,
            from_review=True,
        ),
        status=400,
    )


def _sign_promises(request: HttpRequest, app: Application) -> None:
    """Sign one commitment covering every promised line (once: a replayed submission finds
    it signed)."""
    promised = set(
        app.materials.filter(source=CaseMaterial.Source.COMMITMENT).values_list("kind", flat=True)
    )
    if not promised or app.commitments.exists():
        return
    options = _promisable(app)
    items = [item for key in sorted(promised) for item in options.get(key, ("", []))[1]]
    if items:
        commitment_sign(application=app, signer=request.user, items=items)


# ---------------------------------------------------------------- tracking


@dataclass(frozen=True)
class Row:
    app: Application
    state: str
    badge: str


def _row(app: Application, today: Any) -> Row:
    running = app.status == Application.Status.ACCEPTED
    state = deadlines.deadline_state(app.promised_due, today) if running else ""
    return Row(app=app, state=state, badge=BADGES.get(state, ""))


@applicant_page
def my_list(request: HttpRequest) -> HttpResponse:
    """Drafts (on the first page), then submitted applications newest first, a keyset page
    at a time: an applicant with years of applications gets the same fast page."""
    mine = Application.objects.filter(applicant=request.user).select_related("theme", "matter")
    today = timezone.localdate()
    cursor = request.GET.get("cursor")
    try:
        page = keyset.page(
            mine.exclude(status=Application.Status.DRAFT),
            keys=("-id",),
            size=keyset.page_size(request.GET.get("size"), default=MY_PAGE, maximum=MY_PAGE_MAX),
            cursor=cursor,
            scope=f"portal.my.{request.user.pk}",
        )
    except keyset.BadCursor as error:
        context = {"status": 400, "title": error.title, "message": error.message}
        return render(request, "400.html", context, status=400)
    drafts = [] if cursor else list(mine.filter(status=Application.Status.DRAFT)[:MY_PAGE_MAX])
    return render(
        request,
        "portal/apply/my_list.html",
        {
            "draft_rows": drafts,
            "rows": [_row(a, today) for a in page.rows],
            "page": page,
            "keep": urlencode({"size": request.GET["size"]}) if request.GET.get("size") else "",
        },
    )


MY_PAGE = 20
MY_PAGE_MAX = 100


def _supplement_items(app: Application) -> list[str]:
    if app.status == Application.Status.SUPPLEMENT_REQUESTED:
        return list(app.supplement_items)
    if app.status == Application.Status.ACCEPTED:
        return [item for p in app.pauses.filter(ended_on__isnull=True) for item in p.items]
    return []


@applicant_page
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, number: str) -> HttpResponse:
    if number.startswith("D"):
        raise Http404("申请不存在")
    try:
        app = application_for(request.user, number)
    except NotFound:
        raise Http404("申请不存在") from None
    owner = app.applicant_id == request.user.pk
    # A colleague verified to act for the company follows the company's application here
    # (cases.access let them see it); staff use the workbench.
    if not owner and (app.company_id is None or staff_profile(request.user) is not None):
        raise Http404("申请不存在")
    errors: dict[str, str] = {}
    items = _supplement_items(app) if owner else []
    if request.method == "POST" and not owner:
        raise Http404("申请不存在")
    if request.method == "POST" and request.POST.get("action") == "read":
        drafts.messages_mark_read(user=request.user, application=app)
        return redirect("apply:detail", number=app.number)
    if request.method == "POST" and request.POST.get("action") == "supplement" and items:
        for n, item in enumerate(items, 1):
            upload = request.FILES.get(f"supplement.{n}")
            if upload is None:
                continue
            try:
                drafts.material_attach(
                    application=app,
                    user=request.user,
                    kind=f"supplement-{app.events.count()}-{n}",
                    name=f"补正材料：{item}"[:150],
                    upload_name=upload.name,
                    data=upload,
                )
            except DomainError as exc:
                errors[f"supplement.{n}"] = exc.message
        if not errors:
            try:
                application_supplement_provided(application=app, user=request.user)
            except DomainError as exc:
                errors["supplement"] = exc.message
            else:
                return redirect("apply:detail", number=app.number)
    today = timezone.localdate()
    events = timeline(app)
    subcases = []
    for s in app.subcases.select_related("matter", "department"):
        running = s.status in (SubCase.Status.PENDING, SubCase.Status.SUPPLEMENT_REQUESTED)
        state = deadlines.deadline_state(s.promised_due, today) if running else ""
        subcases.append((s, BADGES.get(state, ""), state))
    return render(
        request,
        "portal/apply/detail.html",
        {
            "row": _row(app, today),
            "app": app,
            "events": events,
            "subcases": subcases,
            "supplement_items": [
                (n, item, errors.get(f"supplement.{n}", "")) for n, item in enumerate(items, 1)
            ],
            "errors": errors,
            "messages_list": list(app.messages.filter(user=request.user)),
            "unread": app.messages.filter(user=request.user, read_at__isnull=True).count(),
            "materials": list(app.materials.select_related("stored_file")),
        },
        status=400 if errors else 200,
    )
