"""Service in the session: each field the clerk fills goes into the person's draft and is
pushed to their screen; the person confirms the form's SM3 digest and signs with their name;
the clerk submits: the case runs with channel 远程受理, 远程身份核验 and 远程受理 on its
timeline, first owner the clerk; the ticket is finished with the case and can be rated."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.remote.factories import live
from yishi.cases.models import Application
from yishi.cases.timeline import timeline
from yishi.core.errors import Conflict, NotFound, ValidationFailed
from yishi.hall.models import Ticket
from yishi.remote import services
from yishi.remote.models import IdentityCheck, RemoteSession


def _identity(w, session):
    now = timezone.now()
    RemoteSession.objects.filter(pk=session.pk).update(
        card_checked_at=now,
        sms_checked_at=now,
        card_result={"checked": ["公民身份号码", "姓名", "出生日期"]},
    )
    session.refresh_from_db()
    return services.identity_check_record(session=session, staff=w.clerk.user, visual_ok=True)


def _fill(w, session):
    for key, value in {
        "name": w.resident.person.name,
        "phone": "13900000000",
        "purpose": "参保登记",
    }.items():
        services.form_field_set(session=session, staff=w.clerk.user, key=key, value=value)
    session.refresh_from_db()


def test_a_field_the_clerk_fills_is_in_the_persons_draft(w):
    session = live(w)
    payload = services.form_field_set(
        session=session, staff=w.clerk.user, key="address", value="张家村3组"
    )
    session.refresh_from_db()
    draft = Application.objects.get(pk=session.draft_id)
    assert draft.status == Application.Status.DRAFT and draft.applicant == w.resident.user
    assert draft.form_data == {"address": "张家村3组"}
    assert payload["label"] == "联系地址" and payload["digest"] == services.form_digest(session)


def test_only_the_clerk_who_called_may_fill_and_only_known_fields(w):
    session = live(w)
    with pytest.raises(NotFound):
        services.form_field_set(session=session, staff=w.other_clerk.user, key="name", value="x")
    with pytest.raises(ValidationFailed):
        services.form_field_set(session=session, staff=w.clerk.user, key="salary", value="x")


def test_the_person_confirms_the_digest_they_saw_and_signs_with_their_name(w):
    session = live(w)
    _fill(w, session)
    digest = services.form_digest(session)
    with pytest.raises(ValidationFailed) as wrong_name:
        services.form_confirm(
            session=session, user=w.resident.user, digest=digest, signature="别人"
        )
    assert wrong_name.value.field == "signature"
    with pytest.raises(Conflict):
        services.form_confirm(
            session=session, user=w.resident.user, digest="0" * 64, signature=w.resident.person.name
        )
    services.form_confirm(
        session=session, user=w.resident.user, digest=digest, signature=w.resident.person.name
    )
    session.refresh_from_db()
    assert session.confirmed_digest == digest and session.confirmed_at is not None


def test_a_change_after_the_confirmation_takes_it_back(w):
    session = live(w)
    _fill(w, session)
    services.form_confirm(
        session=session,
        user=w.resident.user,
        digest=services.form_digest(session),
        signature=w.resident.person.name,
    )
    services.form_field_set(session=session, staff=w.clerk.user, key="purpose", value="变更")
    session.refresh_from_db()
    assert session.confirmed_at is None and session.confirmed_digest == ""


def test_submitting_needs_the_identity_check_and_the_confirmation(w):
    session = live(w)
    _fill(w, session)
    with pytest.raises(Conflict) as no_identity:
        services.application_submit_remote(session=session, staff=w.clerk.user)
    assert no_identity.value.field == "identity"
    _identity(w, session)
    with pytest.raises(Conflict) as no_confirmation:
        services.application_submit_remote(session=session, staff=w.clerk.user)
    assert no_confirmation.value.field == "confirmation"
    assert not Application.objects.exclude(status=Application.Status.DRAFT).exists()


def test_the_submitted_case_is_remote_with_identity_and_remote_acceptance_on_its_timeline(w):
    session = live(w)
    services.session_connected(session=session, user=w.clerk.user)
    _identity(w, session)
    _fill(w, session)
    digest = services.form_digest(session)
    services.form_confirm(
        session=session, user=w.resident.user, digest=digest, signature=w.resident.person.name
    )
    app = services.application_submit_remote(session=session, staff=w.clerk.user)
    app.refresh_from_db()
    assert app.channel == Application.Channel.REMOTE and app.get_channel_display() == "远程受理"
    assert app.status == Application.Status.SUBMITTED
    assert app.applicant == w.resident.user and app.matter == w.matter
    assert app.service_centre == w.centre and app.first_owner == w.clerk.user
    assert app.form_data["purpose"] == "参保登记"
    events = {e.action: e for e in app.events.all()}
    assert digest in events["submit"].note
    assert (
        "身份证识别" in events["remote_identity"].note
        and "短信验证码" in events["remote_identity"].note
    )
    assert "视频比对" in events["remote_identity"].note
    actions = [e.action for e in timeline(app)]
    assert "远程身份核验" in actions and "远程受理" in actions
    assert not Application.objects.filter(status=Application.Status.DRAFT).exists()
    session.refresh_from_db()
    services.session_finish(session=session, staff=w.clerk.user)
    t = Ticket.objects.get(pk=session.ticket_id)
    assert t.status == Ticket.Status.DONE and t.application == app and t.served_by == w.clerk.user
    assert IdentityCheck.objects.filter(session=session, passed=True).count() == 1


def test_the_ended_session_page_invites_a_rating(w, client):
    session = live(w)
    services.session_connected(session=session, user=w.clerk.user)
    session.refresh_from_db()
    services.session_finish(session=session, staff=w.clerk.user)
    client.force_login(w.resident.user)
    html = client.get(f"/remote/{session.pk}/").content.decode()
    assert f"/ratings/ticket/{session.ticket.token}/" in html and "评价本次服务" in html
