"""Background tasks of 好差评 (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from yishi.ratings.services import invitations_send


@task()
def send_rating_invitations() -> int:
    """The daily run: one invitation (message + SMS) per completed, unrated application."""
    return invitations_send()
