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
        return rows.select_one(
            Session, '"session_key" = %s AND "expire_date" > %s', [self.session_key, now]
        )
