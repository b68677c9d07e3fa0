"""好差评 API: rating a target, the public figures, the staff's follow-up list. Thin: rules
live in yishi.ratings.services, .queries and .access; domain errors become problem+json."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.security import django_auth

from yishi.core.errors import PermissionDeniedError, ValidationFailed
from yishi.people.api_tokens import AccessToken, bearer_present
from yishi.ratings import access, queries, services
from yishi.ratings.models import FollowUp, Rating

router = Router(tags=["好差评"])


class TargetIn(Schema):
    kind: str = Field(
        ...,
        description="评价对象：application 办件 | ticket 排队号 | assist 帮办代办 | portal 平台",
    )
    ref: str = Field(
        ..., description="办件为申请编号，排队号为查询令牌，帮办代办为请求编号，平台为 portal"
    )


class RatingIn(Schema):
    target: TargetIn
    stage: str = Field(..., description="评价环节：accept 受理 | complete 办结 | service 服务")
    level: int = Field(..., description="评价等级：5 非常满意 … 1 非常不满意（1、2 为差评）")
    indicators: list[str] = Field(
        default_factory=list, description="不满意的指标（差评至少一项），取自本次的指标体系"
    )
    comment: str = Field("", description="评价意见（可选，最多 500 字）")


class StatsIn(Schema):
    department: str | None = Field(None, description="部门编码")
    outlet: str | None = Field(None, description="服务网点编码")
    from_: dt.date | None = Field(None, alias="from", description="起始日期（含）")
    to: dt.date | None = Field(None, description="截止日期（含）")


class FollowupsIn(Schema):
    status: str | None = Field(
        None, description="open | visited | rectified | explained | appealed | closed"
    )


def _target_out(rating: Rating) -> dict[str, str]:
    """The target as staff may see it: a ticket by its number, never by its token."""
    if rating.kind == Rating.Kind.TICKET and rating.ticket_id:
        return {"kind": rating.kind, "ref": rating.ticket.number}
    if rating.kind == Rating.Kind.PORTAL:
        return {"kind": rating.kind, "ref": "portal"}
    return {"kind": rating.kind, "ref": rating.target_ref}


def _bearer_sign_in(request: HttpRequest) -> None:
    """This operation is open (a ticket token alone may rate), so the API's bearer schemes are
    not wired in: an app's access token is read here. A bad token leaves the caller anonymous
    (then only a ticket may be rated; anything else answers 401)."""
    if getattr(request.user, "is_authenticated", False) or not bearer_present(request):
        return
    _, _, token = request.headers.get("Authorization", "").partition(" ")
    AccessToken().authenticate(request, token.strip())


@router.post("ratings", auth=None, response={201: dict}, summary="提交好差评")
def rating_create(request: HttpRequest, body: RatingIn) -> Any:
    """一事一评、一事多评：每个对象每个环节只能评价一次（重复 409）；差评须选择不满意指标。
    凭排队号令牌评价大厅服务无需登录，其余须本人登录（他人的办件 404）。"""
    _bearer_sign_in(request)
    target = services.target_for(kind=body.target.kind, ref=body.target.ref, user=request.user)
    rating = services.rating_submit(
        target=target,
        stage=body.stage,
        level=body.level,
        indicators=body.indicators,
        comment=body.comment,
        user=request.user,
        source=Rating.Source.API,
    )
    followup = getattr(rating, "followup", None) if rating.poor else None
    return Status(
        201,
        {
            "id": rating.pk,
            "created_at": rating.created_at,
            "target": {
                "kind": rating.kind,
                "ref": target.ref if rating.kind != "portal" else "portal",
            },
            "stage": rating.stage,
            "level": rating.level,
            "level_label": rating.get_level_display(),
            "poor": rating.poor,
            "indicators": rating.failed_indicators,
            "indicator_set": {
                "channel": rating.indicator_set.channel,
                "version": rating.indicator_set.version,
            },
            "followup": (
                {
                    "id": followup.pk,
                    "visit_due_on": followup.visit_due_on,
                    "due_on": followup.due_on,
                }
                if followup
                else None
            ),
        },
    )


@router.get("ratings/stats", auth=None, summary="好差评统计（公开）")
def rating_stats(request: HttpRequest, params: Query[StatsIn]) -> dict[str, Any]:
    """count 评价数；by_level 各等级数；satisfaction_rate = 3–5 级 / 全部；poor 差评数（1–2 级）；
    followed_up_rate = 已登记回访的差评 / 差评；rectified_on_time_rate = 在整改期限内整改或
    作情况说明的差评 / 差评。比率为 0–1 的数，分母为 0 时为 0；申诉成立的差评不计入。"""
    if params.from_ and params.to and params.from_ > params.to:
        raise ValidationFailed("起始日期不能晚于截止日期", field="from")
    return queries.stats(
        department=params.department,
        outlet=params.outlet,
        start=params.from_,
        end=params.to,
    )


@router.get("rating-followups", auth=django_auth, summary="差评整改列表（工作人员）")
def rating_followups(request: HttpRequest, params: Query[FollowupsIn]) -> dict[str, Any]:
    """部门负责人看到本部门的差评整改，监管人员和管理员看到全部。"""
    if not access.may_see_followups(request.user):
        raise PermissionDeniedError(
            "仅部门负责人、监管人员和管理员可以查看差评整改", field="status"
        )
    qs = access.followups_visible_to(request.user).select_related("rating__ticket")
    if params.status:
        if params.status not in FollowUp.Status.values:
            raise ValidationFailed(
                "状态须为 open、visited、rectified、explained、appealed 或 closed", field="status"
            )
        qs = qs.filter(status=params.status)
    return {
        "items": [
            {
                "id": f.pk,
                "rating_id": f.rating_id,
                "target": _target_out(f.rating),
                "visit_due_on": f.visit_due_on,
                "due_on": f.due_on,
                "status": f.status,
            }
            for f in qs.order_by("due_on", "id")[:500]
        ]
    }
