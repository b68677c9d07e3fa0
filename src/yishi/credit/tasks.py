"""Background tasks of the credit app (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from yishi.credit.commitments import commitments_check


@task()
def check_commitments() -> dict[str, int]:
    """The daily commitment run: reminders before the due date, breach after it."""
    return commitments_check()
