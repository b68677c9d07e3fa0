"""`{% data_quality %}`: the data-quality section of the leaders' dashboard (yishi.stats),
the latest score of each dataset and department (nothing personal)."""

from __future__ import annotations

from django import template

from yishi.governance import queries

register = template.Library()


@register.inclusion_tag("governance/_dashboard.html")
def data_quality() -> dict:
    scores = queries.latest_scores()
    return {"scores": scores, "departments": queries.department_scores(scores)}
