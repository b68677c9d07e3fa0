"""Certificates: validity and expiry, what expires soon, and 持证上岗 at a 综合窗口 in each gate
mode (block refuses with a Chinese message, warn lets on with a warning, off checks nothing)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.cases.factories import StaffFactory
from tests.training.factories import CertificateFactory, level
from yishi.core.errors import PermissionDeniedError
from yishi.hall.models import WindowSession
from yishi.hall.services import window_sign_on
from yishi.training.services import certificate_issue, expiring_certificates, valid_certificate

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()


@pytest.mark.django_db
def test_a_certificate_is_valid_from_its_issue_day_through_its_expiry_day():
    clerk = StaffFactory().user
    cert = CertificateFactory(
        user=clerk, issued_on=dt.date(2026, 3, 2), expires_on=dt.date(2029, 3, 1)
    )
    assert valid_certificate(clerk, dt.date(2026, 3, 1)) is None
    assert valid_certificate(clerk, dt.date(2026, 3, 2)) == cert
    assert valid_certificate(clerk, dt.date(2029, 3, 1)) == cert
    assert valid_certificate(clerk, dt.date(2029, 3, 2)) is None
    cert.revoked = True
    cert.save()
    assert valid_certificate(clerk, dt.date(2027, 1, 1)) is None


@pytest.mark.django_db
def test_what_expires_within_the_warning_period_is_listed(settings):
    settings.YISHI_CERTIFICATE_WARN_DAYS = 30
    a, b, c = (StaffFactory().user for _ in range(3))
    soon = CertificateFactory(user=a, expires_on=TODAY + dt.timedelta(days=30))
    CertificateFactory(user=b, expires_on=TODAY + dt.timedelta(days=31))
    CertificateFactory(user=c, expires_on=TODAY - dt.timedelta(days=1))
    assert list(expiring_certificates(TODAY)) == [soon]
    assert list(expiring_certificates(TODAY, users=[b])) == []


@pytest.mark.django_db
def test_an_entered_certificate_gets_the_default_validity_and_a_bad_range_is_refused():
    from yishi.core.errors import ValidationFailed

    clerk = StaffFactory().user
    cert = certificate_issue(user=clerk, level=level(4), issued_on=dt.date(2024, 2, 29))
    assert cert.expires_on == dt.date(2027, 2, 28)
    assert cert.number.startswith("ZWCK-L4-20240229-")
    with pytest.raises(ValidationFailed, match="有效期至不能早于发证日期"):
        certificate_issue(
            user=clerk, level=level(), issued_on=TODAY, expires_on=TODAY - dt.timedelta(days=1)
        )


@pytest.mark.django_db
def test_block_mode_refuses_a_clerk_without_a_valid_certificate_at_a_general_window(
    windows, settings
):
    settings.YISHI_CERTIFICATE_GATE = "block"
    clerk = StaffFactory().user
    CertificateFactory(user=clerk, expires_on=TODAY - dt.timedelta(days=1))  # expired

    with pytest.raises(PermissionDeniedError) as refused:
        window_sign_on(window=windows.general, staff=clerk, now=NOW)

    assert refused.value.message == (
        "综合窗口实行持证上岗：您没有有效的行政办事员（政务服务综合窗口办事员）"
        "职业技能等级证书，不能在综合窗口上岗"
    )
    assert not WindowSession.objects.exists()
    # Other windows are not 综合窗口: no certificate needed there.
    assert window_sign_on(window=windows.special, staff=clerk, now=NOW).warnings == []


@pytest.mark.django_db
def test_block_mode_lets_a_certified_clerk_on(windows, settings):
    settings.YISHI_CERTIFICATE_GATE = "block"
    clerk = StaffFactory().user
    CertificateFactory(user=clerk)
    session = window_sign_on(window=windows.general, staff=clerk, now=NOW)
    assert session.warnings == []
    assert WindowSession.objects.filter(staff=clerk, ended_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_warn_mode_lets_a_clerk_without_certificate_on_with_a_warning(windows, settings):
    settings.YISHI_CERTIFICATE_GATE = "warn"
    clerk = StaffFactory().user
    session = window_sign_on(window=windows.general, staff=clerk, now=NOW)
    assert session.warnings == [
        "综合窗口实行持证上岗：您没有有效的行政办事员（政务服务综合窗口办事员）"
        "职业技能等级证书，请尽快参加培训考核取得证书"
    ]
    assert WindowSession.objects.filter(staff=clerk, ended_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_certificate_expiring_soon_is_warned_of_on_sign_on_in_any_checking_mode(
    windows, settings
):
    settings.YISHI_CERTIFICATE_GATE = "block"
    settings.YISHI_CERTIFICATE_WARN_DAYS = 60
    clerk = StaffFactory().user
    CertificateFactory(user=clerk, number="ZWCK-SOON", expires_on=TODAY + dt.timedelta(days=10))
    session = window_sign_on(window=windows.general, staff=clerk, now=NOW)
    assert session.warnings == [
        "您的职业技能等级证书（ZWCK-SOON）将于 2026-03-12 到期，剩余 10 天，请及时复训换证"
    ]


@pytest.mark.django_db
def test_off_mode_checks_nothing(windows, settings):
    settings.YISHI_CERTIFICATE_GATE = "off"
    clerk = StaffFactory().user
    assert window_sign_on(window=windows.general, staff=clerk, now=NOW).warnings == []


def test_a_bad_gate_setting_fails_loudly(settings):
    from django.core.exceptions import ImproperlyConfigured

    from yishi.training.conf import certificate_gate

    settings.YISHI_CERTIFICATE_GATE = "strict"
    with pytest.raises(ImproperlyConfigured):
        certificate_gate()
