"""Asking, answering, proposing a draft's field, 代办 under a confirmed authorisation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from tests.assist.factories import chat_about_draft
from yishi.assist import access, services
from yishi.assist.models import AssistMessage, AssistProposal, AssistRequest, ProxyAct
from yishi.cases.models import Application, CaseEvent
from yishi.core.errors import Conflict, NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.models import AuditEntry

pytestmark = pytest.mark.django_db
S = AssistRequest.Status


def test_anonymous_person_may_ask_a_question_without_a_draft(w):
    from django.contrib.auth.models import AnonymousUser

    r = services.chat_open(user=AnonymousUser(), question="怎么取号？")
    assert r.account is None and r.status == S.OPEN
    assert r.messages.get().sender == AssistMessage.Sender.PERSON


def test_anonymous_chat_about_a_draft_is_refused(w):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDeniedError):
        services.chat_open(user=AnonymousUser(), question="帮我填", draft=w.draft)


def test_chat_about_someone_elses_draft_is_not_found(w):
    with pytest.raises(NotFound):
        services.chat_open(user=w.stranger.user, question="帮我填", draft=w.draft)


def test_first_clerk_line_is_the_first_response_and_takes_the_request(w):
    r = chat_about_draft(w)
    services.message_post(request=r, user=w.resident.user, body="在吗", as_clerk=False)
    r.refresh_from_db()
    assert r.first_response_at is None and r.clerk is None
    services.message_post(request=r, user=w.clerk.user, body="您好", as_clerk=True)
    r.refresh_from_db()
    assert r.first_response_at is not None and r.clerk == w.clerk.user
    assert r.status == S.ACTIVE
    assert AuditEntry.objects.filter(action="assist.open", object_id=str(r.pk)).exists()


def test_messages_are_stored_encrypted(w):
    r = chat_about_draft(w)
    services.message_post(
        request=r, user=w.resident.user, body="我的电话13912345678", as_clerk=False
    )
    with connection.cursor() as cur:
        cur.execute("SELECT body FROM assist_assistmessage")
        raw = " ".join(row[0] for row in cur.fetchall())
    assert "13912345678" not in raw and "申请表" not in raw


def test_callback_phone_is_encrypted_and_indexed(w):
    r = services.callback_request(user=w.resident.user, phone="13912345678", question="回电")
    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM assist_assistrequest WHERE id = %s", [r.pk])
        assert "13912345678" not in cur.fetchone()[0]
    assert r.phone_index


def test_bad_phone_is_refused_with_chinese_message(w):
    with pytest.raises(ValidationFailed) as exc:
        services.callback_request(user=w.resident.user, phone="123")
    assert exc.value.field == "phone" and "手机" in exc.value.message


def test_proposal_needs_the_persons_consent(w):
    r = chat_about_draft(w, consent=False)
    with pytest.raises(PermissionDeniedError):
        services.proposal_make(request=r, clerk=w.clerk.user, field_key="name", value="王小明")
    services.consent_set(request=r, user=w.resident.user, consent=True)
    p = services.proposal_make(request=r, clerk=w.clerk.user, field_key="name", value="王小明")
    assert p.field_label == "申请人姓名" and p.status == AssistProposal.Status.PENDING


def test_unknown_field_is_refused(w):
    r = chat_about_draft(w)
    with pytest.raises(ValidationFailed):
        services.proposal_make(request=r, clerk=w.clerk.user, field_key="nope", value="x")


def test_accepted_proposal_is_written_into_the_draft_and_declined_is_not(w):
    r = chat_about_draft(w)
    p = services.proposal_make(request=r, clerk=w.clerk.user, field_key="name", value="王小明")
    draft = Application.objects.get(pk=w.draft.pk)
    assert draft.form_data.get("name") in (None, "")
    services.proposal_decide(proposal=p, user=w.resident.user, accept=True)
    assert Application.objects.get(pk=w.draft.pk).form_data["name"] == "王小明"
    with pytest.raises(Conflict):
        services.proposal_decide(proposal=p, user=w.resident.user, accept=True)
    p2 = services.proposal_make(request=r, clerk=w.clerk.user, field_key="name", value="错的")
    services.proposal_decide(proposal=p2, user=w.resident.user, accept=False)
    assert Application.objects.get(pk=w.draft.pk).form_data["name"] == "王小明"


def test_stranger_cannot_accept_a_proposal(w):
    r = chat_about_draft(w)
    p = services.proposal_make(request=r, clerk=w.clerk.user, field_key="name", value="王小明")
    with pytest.raises(NotFound):
        services.proposal_decide(proposal=p, user=w.stranger.user, accept=True)
    assert AssistProposal.objects.get(pk=p.pk).status == AssistProposal.Status.PENDING


def test_conclude_then_no_more_messages(w):
    r = chat_about_draft(w)
    services.request_conclude(request=r, clerk=w.clerk.user, resolved=True)
    r.refresh_from_db()
    assert r.status == S.RESOLVED and r.concluded_at and r.first_response_at
    with pytest.raises(Conflict):
        services.message_post(request=r, user=w.resident.user, body="还有", as_clerk=False)
    with pytest.raises(Conflict):
        services.request_conclude(request=r, clerk=w.clerk.user, resolved=False, note="x")


def test_unresolved_needs_a_note(w):
    r = chat_about_draft(w)
    with pytest.raises(ValidationFailed):
        services.request_conclude(request=r, clerk=w.clerk.user, resolved=False)


def test_callback_called_is_first_response(w):
    r = services.callback_request(user=w.resident.user, phone="13912345678")
    services.callback_called(request=r, clerk=w.clerk.user, note="已说明")
    r.refresh_from_db()
    assert r.first_response_at and r.status == S.ACTIVE and r.clerk == w.clerk.user


def test_onsite_from_green_request_once(w):
    from tests.hall.factories import OutletFactory
    from yishi.hall import services as hall
    from yishi.hall.models import GreenChannelRequest

    green = hall.green_request_create(
        outlet=OutletFactory(),
        service=GreenChannelRequest.Service.ACCOMPANY,
        reason=GreenChannelRequest.Reason.MILITARY,
        contact_name="王军",
        actor=w.clerk.user,
    )
    r = services.onsite_from_green(green=green, clerk=w.clerk.user)
    assert r.channel == AssistRequest.Channel.ONSITE and r.first_response_at and r.clerk
    with pytest.raises(Conflict):
        services.onsite_from_green(green=green, clerk=w.clerk.user)


def test_department_staff_see_their_department_only(w):
    mine = chat_about_draft(w)
    other = services.chat_open(user=w.resident.user, question="别的部门")
    assert set(access.staff_requests(w.reviewer.user)) == {mine}
    assert set(access.staff_requests(w.lead.user)) == {mine}
    assert set(access.staff_requests(w.clerk.user)) == {mine, other}
    assert not access.staff_requests(w.other_reviewer.user).exists()


# ---------------------------------------------------------------- 代办


def _authorise(w, **kw):
    today = timezone.localdate()
    auth = services.authorisation_record(
        clerk=w.clerk.user,
        account=w.resident,
        valid_until=kw.pop("until", today + dt.timedelta(days=30)),
        **({"all_matters": True} | kw),
    )
    return auth


def test_proxy_needs_the_persons_confirmation(w):
    auth = _authorise(w)
    with pytest.raises(PermissionDeniedError):
        services.proxy_submit_draft(
            authorisation=auth, draft=w.draft, clerk=w.clerk.user, pledged=True
        )
    with pytest.raises(NotFound):
        services.authorisation_confirm(authorisation=auth, user=w.stranger.user)
    services.authorisation_confirm(authorisation=auth, user=w.resident.user)
    auth.refresh_from_db()
    assert auth.confirmed_at and len(auth.confirmation_digest) == 64


def test_proxy_submission_is_in_the_persons_name_and_says_who_acted(w):
    Application.objects.filter(pk=w.draft.pk).update(form_data={"name": "王小明"})
    auth = _authorise(w)
    services.authorisation_confirm(authorisation=auth, user=w.resident.user)
    app = services.proxy_submit_draft(
        authorisation=auth, draft=w.draft, clerk=w.clerk.user, pledged=True
    )
    assert app.applicant == w.resident.user and app.status == Application.Status.SUBMITTED
    note = CaseEvent.objects.get(application=app, action="proxy").note
    assert note.startswith("由李帮办代办")
    act = ProxyAct.objects.get(authorisation=auth)
    assert act.application == app and act.clerk == w.clerk.user
    assert AuditEntry.objects.filter(action="assist.proxy.submit", object_id=str(app.pk)).exists()
    assert AssistRequest.objects.get(authorisation=auth).channel == AssistRequest.Channel.PROXY


def test_proxy_outside_scope_or_expired_is_refused(w):
    other_matter = w.chain["matters"]["a"]
    auth = _authorise(w, all_matters=False, matters=[other_matter])
    services.authorisation_confirm(authorisation=auth, user=w.resident.user)
    with pytest.raises(PermissionDeniedError) as exc:
        services.proxy_submit_draft(
            authorisation=auth, draft=w.draft, clerk=w.clerk.user, pledged=True
        )
    assert "授权范围" in exc.value.message
    auth2 = _authorise(w)
    services.authorisation_confirm(authorisation=auth2, user=w.resident.user)
    type(auth2).objects.filter(pk=auth2.pk).update(
        valid_until=timezone.localdate() - dt.timedelta(days=1)
    )
    auth2.refresh_from_db()
    with pytest.raises(PermissionDeniedError):
        services.proxy_submit_draft(
            authorisation=auth2, draft=w.draft, clerk=w.clerk.user, pledged=True
        )
    assert Application.objects.filter(pk=w.draft.pk, status=Application.Status.DRAFT).exists()


def test_reviewer_may_not_proxy(w):
    auth = _authorise(w)
    services.authorisation_confirm(authorisation=auth, user=w.resident.user)
    with pytest.raises(PermissionDeniedError):
        services.proxy_submit_draft(
            authorisation=auth, draft=w.draft, clerk=w.reviewer.user, pledged=True
        )
