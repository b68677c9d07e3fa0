"""ICE servers come from settings (none by default: host candidates on one machine or LAN)
and reach both session pages as JSON for RTCPeerConnection."""

from __future__ import annotations

import json

from django.test import override_settings

from tests.remote.factories import live
from yishi.remote import conf

TURN = {"urls": ["turn:turn.lzh.example:3478"], "username": "yishi", "credential": "s3cret"}


def test_no_ice_servers_by_default():
    assert conf.ice_servers() == []


@override_settings(YISHI_REMOTE_ICE_SERVERS={"iceServers": [TURN]})
def test_the_configured_servers_reach_the_session_pages(w, client):
    assert conf.ice_servers() == [TURN]
    session = live(w)
    for user, path in ((w.resident.user, "/remote/"), (w.clerk.user, "/workbench/remote/")):
        client.force_login(user)
        html = client.get(f"{path}{session.pk}/").content.decode()
        start = html.index('id="remote-ice" type="application/json">') + len(
            'id="remote-ice" type="application/json">'
        )
        assert json.loads(html[start : html.index("</script>", start)]) == [TURN]
