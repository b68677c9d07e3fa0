"""Recording only with consent: refused → the server keeps nothing (every piece answers 409)
and the decision is in the audit log; agreed → the pieces are stored SM4-encrypted (the
bytes on disk are not the recording's) and the recording opens only for the clerk's
supervisor (the department lead of the clerk's department): the clerk, another
department's lead, an administrator and the resident get 404. Expired recordings are
purged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from tests.remote.factories import live
from yishi.core.errors import Conflict
from yishi.core.models import AuditEntry
from yishi.remote import services
from yishi.remote.models import Recording, RecordingChunk

WEBM = b"\x1aE\xdf\xa3" + b"webm-piece-one-" * 40
MORE = b"webm-piece-two-" * 40


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)


def _post_chunk(client, session, seq: int, data: bytes):
    return client.post(
        f"/workbench/remote/{session.pk}/recording/",
        data=data,
        content_type="video/webm",
        HTTP_X_RECORDING_SEQ=str(seq),
        HTTP_ACCEPT="application/json",
    )


def test_with_consent_refused_nothing_is_recorded_and_the_decision_is_logged(w, client):
    session = live(w)
    client.force_login(w.resident.user)
    answer = client.post(
        f"/remote/{session.pk}/",
        {"action": "consent", "agreed": "no"},
        HTTP_ACCEPT="application/json",
    ).json()
    assert answer["ok"] and "不会录像" in answer["message"]
    client.force_login(w.clerk.user)
    response = _post_chunk(client, session, 0, WEBM)
    assert response.status_code == 409 and "未同意录像" in response.json()["message"]
    assert not Recording.objects.exists() and not RecordingChunk.objects.exists()
    entry = AuditEntry.objects.get(action="remote.recording.consent")
    assert entry.data == {"agreed": False}


def test_without_any_answer_nothing_is_recorded_either(w):
    session = live(w)
    with pytest.raises(Conflict):
        services.recording_chunk_store(session=session, staff=w.clerk.user, seq=0, data=WEBM)
    assert not Recording.objects.exists()


def test_with_consent_the_recording_is_stored_encrypted_and_opens_only_for_the_supervisor(
    w, client
):
    session = live(w)
    services.recording_consent(session=session, user=w.resident.user, agreed=True)
    assert AuditEntry.objects.get(action="remote.recording.consent").data == {"agreed": True}
    client.force_login(w.clerk.user)
    assert _post_chunk(client, session, 0, WEBM).status_code == 200
    assert _post_chunk(client, session, 1, MORE).status_code == 200
    assert _post_chunk(client, session, 1, MORE).status_code == 409  # a piece only once
    recording = Recording.objects.get(session=session)
    assert recording.size == len(WEBM) + len(MORE) and recording.clerk == w.clerk.user
    assert recording.expires_at - recording.started_at == dt.timedelta(days=90)
    for chunk in recording.chunks.all():
        with default_storage.open(chunk.path, "rb") as handle:
            stored = handle.read()
        assert b"webm-piece" not in stored and stored.startswith(b"k")  # key id, then SM4-GCM
    media = f"/workbench/remote/recordings/{recording.pk}/media/"
    page = f"/workbench/remote/recordings/{recording.pk}/"
    for outsider in (w.clerk, w.other_lead, w.admin, w.resident, w.other_clerk):
        client.force_login(outsider.user)
        assert client.get(media).status_code == 404
        assert client.get(page).status_code == 404
    client.force_login(w.lead.user)
    response = client.get(media)
    assert response.status_code == 200 and response["Content-Type"] == "video/webm"
    assert response.content == WEBM + MORE
    assert client.get(page).status_code == 200
    listing = client.get("/workbench/remote/recordings/").content.decode()
    assert session.ticket.number in listing
    assert AuditEntry.objects.filter(action="remote.recording.view").count() == 1


def test_the_recordings_list_is_only_for_department_leads(w, client):
    for user in (w.clerk.user, w.admin.user):
        client.force_login(user)
        assert client.get("/workbench/remote/recordings/").status_code == 403


def test_a_tampered_piece_does_not_decrypt(w):
    session = live(w)
    services.recording_consent(session=session, user=w.resident.user, agreed=True)
    services.recording_chunk_store(session=session, staff=w.clerk.user, seq=0, data=WEBM)
    chunk = RecordingChunk.objects.get()
    with default_storage.open(chunk.path, "rb") as handle:
        blob = bytearray(handle.read())
    blob[-1] ^= 1
    default_storage.delete(chunk.path)
    default_storage.save(chunk.path, __import__("io").BytesIO(bytes(blob)))
    from cryptography.exceptions import InvalidTag

    with pytest.raises(InvalidTag):
        services.recording_bytes(user=w.lead.user, recording=chunk.recording)


@override_settings(YISHI_REMOTE_RECORDING_DAYS=30)
def test_recordings_past_their_keeping_period_are_purged(w):
    session = live(w)
    services.recording_consent(session=session, user=w.resident.user, agreed=True)
    services.recording_chunk_store(session=session, staff=w.clerk.user, seq=0, data=WEBM)
    recording = Recording.objects.get()
    path = recording.chunks.get().path
    assert recording.expires_at - recording.started_at == dt.timedelta(days=30)
    assert services.recordings_purge(now=timezone.now() + dt.timedelta(days=29)) == 0
    Recording.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    call_command("purge_remote_recordings")
    assert not Recording.objects.exists() and not default_storage.exists(path)
