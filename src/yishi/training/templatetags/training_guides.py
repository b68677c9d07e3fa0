"""`{% work_guide_beside application subcase %}`: the work guide of a case, for the workbench's
case pages (which know nothing of training beyond this tag)."""

from __future__ import annotations

from typing import Any

from django import template

from yishi.training.services import guide_for_case

register = template.Library()


@register.inclusion_tag("training/_case_guide.html")
def work_guide_beside(application: Any, subcase: Any = None) -> dict[str, Any]:
    guide = guide_for_case(application=application, subcase=subcase) if application else None
    current = guide.current if guide is not None else None
    return {"guide": guide, "body": current.body if current else ""}
