"""Reactions of 跨域通办 to events of lower apps (registered in ExchangeConfig.ready())."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yishi.core.events import handler
from yishi.exchange.services import crossing_decision_follow


def _day(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


@handler("cases.subcase.approved", name="exchange.decision_on_approval")
def decision_on_approval(event: Any) -> None:
    """A sub-case a partner handed to us was approved on the ordinary sub-case page: the
    decision and the signed result go back to the partner (once)."""
    payload = event.payload
    crossing_decision_follow(
        subcase_id=int(payload["subcase_id"]), day=_day(payload.get("approved_on"))
    )


@handler("cases.subcase.refused", name="exchange.decision_on_refusal")
def decision_on_refusal(event: Any) -> None:
    """The same for a refusal: the partner is told, with the reason."""
    payload = event.payload
    crossing_decision_follow(
        subcase_id=int(payload["subcase_id"]), day=_day(payload.get("refused_on"))
    )
