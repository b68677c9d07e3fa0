"""A staff account's `is_staff` flag follows its StaffProfile.

Staff sign in through the admin's login page, which admits only `is_staff` accounts. The flag
is a consequence of having a staff profile, not a second thing to remember: an account given
a profile (in the admin, by a loader, in a shell) can sign in at once, and one whose profile
is removed no longer can, unless it is a superuser. Signals rather than `save()`/`delete()`,
because a bulk delete in the admin and the cascade of a deleted department bypass `delete()`.
Connected in CatalogConfig.ready().
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model


def staff_flag_on_profile_saved(sender: Any, instance: Any, raw: bool = False, **kwargs) -> None:
    """A saved profile makes its account staff (one UPDATE only when the flag was off)."""
    if raw:  # loaddata: fixtures carry their own flags
        return
    get_user_model().objects.filter(pk=instance.user_id, is_staff=False).update(is_staff=True)
    user = instance._state.fields_cache.get("user")
    if user is not None:
        user.is_staff = True


def staff_flag_on_profile_deleted(sender: Any, instance: Any, **kwargs) -> None:
    """A removed profile takes the flag away, except from a superuser (who administers
    without a profile)."""
    get_user_model().objects.filter(pk=instance.user_id, is_superuser=False).update(is_staff=False)
    user = instance._state.fields_cache.get("user")
    if user is not None and not user.is_superuser:
        user.is_staff = False
