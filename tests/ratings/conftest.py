from __future__ import annotations

import pytest

from tests.cases.factories import ApplicantFactory


@pytest.fixture
def other_applicant():
    return ApplicantFactory()


@pytest.fixture(autouse=True)
def _ratings_settings(settings):
    settings.YISHI_RATING_PUSH_DESTINATION = "log"
    settings.SMS_DESTINATION = "log"


@pytest.fixture(autouse=True)
def _indicator_sets(request):
    """The sets the migration seeds (also when the suite runs with --nomigrations)."""
    if "django_db_setup" not in request.fixturenames and not request.node.get_closest_marker(
        "django_db"
    ):
        return
    from yishi.ratings.models import IndicatorSet

    for channel, names in (
        ("online", ["整体满意度", "办事效率", "办事指南精确度", "办事便捷度", "平台操作性"]),
        ("offline", ["整体满意度", "服务效率", "服务水平", "服务态度"]),
    ):
        IndicatorSet.objects.get_or_create(
            channel=channel, version=1, defaults={"indicators": names}
        )
