"""远程虚拟窗口 for tests/test_routes_by_role.py (this file is not collected as tests):
`remote_world(w)` makes what the paths name; the rows are in tests/test_routes_by_role.py.

The policy they write down (yishi.remote.access):
- /remote/ is public to read; taking a ticket there (POST) is for applicant accounts
  (anonymous: to the login page; staff: 404); the probe posts an unknown matter, so an
  applicant's post is refused 422 by the checks after access, changing nothing;
- a session's page and its status are its resident's (the world's owner, role `applicant`);
  anyone else, staff included, gets 404; the page's POST with an unknown action answers 400;
- the console (/workbench/remote/) is for window staff and administrators (403 to other
  roles); its POST with an unknown action redirects back to it, changing nothing;
- a live session's clerk page and its recording upload are the calling clerk's alone
  (clerk_here, who called the world's remote ticket): another clerk and an administrator get
  404. The upload probe sends no sequence number, so clerk_here's piece is refused 422;
- the recordings open only for a department lead of the clerk's department; the world has
  no department lead, so NOBODY (covered in tests/remote/test_recording.py);
- API: the matter list is public; taking a ticket is for applicant accounts (the probe's
  unknown matter answers 422 to them); a session's state is for its two members.
- The websocket /ws/remote/<id>/ (not in the URL table): exactly the resident and the calling
  clerk; everyone else is refused at the handshake (tests/remote/test_consumers.py).
"""

from __future__ import annotations

from typing import Any

from tests.hall.factories import WindowFactory
from yishi.hall import services as hall
from yishi.hall.models import Window
from yishi.remote import services


def remote_world(w: Any) -> dict[str, str]:
    """A remote window (21) at the world's hall serving the world's matter; the owner's
    remote ticket, called there by clerk_here (who then signs off: the session stays live),
    with the owner's consent to recording and one recorded piece."""
    window = WindowFactory(outlet=w.outlet, number=21, name="远程视频办理", kind=Window.Kind.REMOTE)
    window.matters.add(w.matter)
    session = services.remote_ticket_take(user=w.owner.user, matter=w.matter)
    hall.window_sign_on(window=window, staff=w.clerk_here.user)
    session = services.remote_call_next(window=window, staff=w.clerk_here.user)
    hall.window_sign_off(window=window, staff=w.clerk_here.user)
    services.recording_consent(session=session, user=w.owner.user, agreed=True)
    services.recording_chunk_store(
        session=session, staff=w.clerk_here.user, seq=0, data=b"\x1aE\xdf\xa3world"
    )
    return {"remote_session": str(session.pk), "remote_recording": str(session.recording.pk)}
