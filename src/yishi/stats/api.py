"""统计分析 API: the summary figures of a slice of the records (staff with a district-wide
role, or a department lead for their department). Definitions: the README, "Measures"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.security import django_auth

from yishi.core.errors import PermissionDeniedError
from yishi.core.labels import API_FIELD_LABELS
from yishi.stats import access, measures

router = Router(tags=["统计分析"])

for _key, _label in {"channel": "办理渠道", **measures.FIELD_LABELS}.items():
    API_FIELD_LABELS.setdefault(_key, _label)


class SummaryIn(Schema):
    from_: dt.date | None = Field(None, alias="from", description="起始日期（含），默认本月1日")
    to: dt.date | None = Field(None, description="截止日期（含），默认本月末")
    department: str | None = Field(None, description="部门编码")
    matter: str | None = Field(None, description="事项实施编码")
    theme: str | None = Field(None, description="一件事主题编码")
    outlet: str | None = Field(None, description="服务网点编码")
    channel: str | None = Field(
        None,
        description="办理渠道：online 网上 | window 窗口 | remote 远程虚拟窗口 | cross_region 跨域通办",
    )


class SummaryOut(Schema):
    accepted: int = Field(..., description="期间内受理的申请数")
    completed: int = Field(..., description="期间内办结的申请数")
    same_day_rate: float | None = Field(..., description="当日办结率（0–1，无办结为 null）")
    on_time_rate: float | None = Field(..., description="按时办结率（0–1，无办结为 null）")
    overdue: int = Field(..., description="期间内受理、超过承诺办结日期仍未办结或逾期办结的件数")
    online_rate: float | None = Field(..., description="网上申请率（0–1，无受理为 null）")
    visits_per_application: float | None = Field(..., description="件均跑动次数（无受理为 null）")
    avg_working_days: float | None = Field(
        ..., description="平均办理工作日（扣除暂停，无办结为 null）"
    )


@router.get("stats/summary", auth=django_auth, response=SummaryOut, summary="办件统计概要")
def stats_summary(request: HttpRequest, params: Query[SummaryIn]) -> Any:
    """受理量、办结量、当日办结率、按时办结率、超期件数、网上申请率、件均跑动次数、平均办理工作日。
    期间默认本月（北京时间）；比率为 0–1 的数，分母为 0 时为 null。区级角色（管理员、值班领导、
    首席数据官）看全区，部门负责人只看本部门参与办理的申请。定义见 README 的统计口径。"""
    scope = access.scope_of(request.user)
    if scope is None:
        raise PermissionDeniedError(
            "仅管理员、值班领导、首席数据官和部门负责人可以查看统计", field="department"
        )
    filters = measures.make_filters(
        first=params.from_,
        last=params.to,
        department=params.department,
        matter=params.matter,
        theme=params.theme,
        outlet=params.outlet,
        channel=params.channel,
        departments=scope.departments,
    )
    return measures.summary(filters)
