"""Background tasks of the remote virtual window (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from yishi.remote.services import recordings_purge


@task()
def purge_remote_recordings() -> int:
    """Daily: delete the recordings kept longer than YISHI_REMOTE_RECORDING_DAYS."""
    return recordings_purge()
