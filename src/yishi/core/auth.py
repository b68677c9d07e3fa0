"""The username + password backend, loading the session's user with a precompiled statement
(every authenticated request does it; see `yishi.core.rows`). Otherwise Django's
`ModelBackend`: permissions, `is_active` and authentication are unchanged."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError

from yishi.core import rows


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: object) -> AbstractBaseUser | None:
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = rows.first(model, pk=pk)
        return user if user is not None and self.user_can_authenticate(user) else None
