"""培训考核与持证上岗 API: the signed-in staff member's certificates and monthly assessment.
Thin: rules live in yishi.training.services and .assessment."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.security import django_auth

from yishi.core.errors import PermissionDeniedError
from yishi.core.labels import API_FIELD_LABELS
from yishi.training import conf, services
from yishi.training.assessment import monthly_assessment, parse_month
from yishi.training.models import Certificate

router = Router(tags=["培训考核与持证上岗"], auth=django_auth)

API_FIELD_LABELS.setdefault("month", "月份")


class CertificateOut(Schema):
    number: str
    title: str
    level: str
    issued_on: dt.date
    expires_on: dt.date
    valid: bool
    expiring_soon: bool


class AssessmentOut(Schema):
    month: str
    accepted: int
    completed: int
    on_time: int
    on_time_rate: float | None
    sent_back: int
    ratings: int
    rating_avg: float | None
    poor_ratings: int


def _staff(request: HttpRequest) -> None:
    if not services.is_staff_member(request.user):
        raise PermissionDeniedError("只有工作人员可以使用培训考核", field="user")


@router.get("/training/certificates", response=list[CertificateOut], summary="我的职业技能等级证书")
def my_certificates(request: HttpRequest):
    _staff(request)
    today = timezone.localdate()
    warn = conf.expiry_warn_days()
    out = []
    for c in Certificate.objects.filter(user=request.user).select_related("level"):
        valid = c.valid_on(today)
        out.append(
            {
                "number": c.number,
                "title": c.title,
                "level": c.level.name,
                "issued_on": c.issued_on,
                "expires_on": c.expires_on,
                "valid": valid,
                "expiring_soon": valid and (c.expires_on - today).days <= warn,
            }
        )
    return out


@router.get("/training/assessment", response=AssessmentOut, summary="我的月度业务考核")
def my_assessment(
    request: HttpRequest, month: str | None = Query(None, description="月份 YYYY-MM，默认本月")
):
    _staff(request)
    return monthly_assessment(request.user, parse_month(month))
