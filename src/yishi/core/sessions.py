"""The database session store, reading its row with a precompiled statement.

Every authenticated request loads its session first; Django's store builds that query with
the ORM each time (see `yishi.core.rows` for why that matters). Rows, expiry, saving and
clearing are Django's own (`django.contrib.sessions.backends.db`).
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from yishi.core import rows


class SessionStore(DbSessionStore):
    def _get_session_from_db(self) -> Session | None:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        found = rows.select_one(
            Session, '"session_key" = %s AND "expire_date" > %s', [self.session_key, now]
        )
        if found is None:
            # As Django's store: an unknown or expired key is dropped, so that saving this
            # session makes a new row instead of updating one that is not there.
            self._session_key = None
        return found
