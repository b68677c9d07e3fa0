"""{% nearby_outlets matter=… %} / {% nearby_outlets theme=… %}: the 就近办 block of a matter
guide or theme page — outlets handling it, nearest first from a chosen town (?near=CODE) or,
in the browser, from the visitor's position (map.js asks the nearest-outlet API)."""

from __future__ import annotations

from django import template
from django.db.models import Exists, OuterRef

from yishi.hall import geo, queries
from yishi.hall.models import Outlet

register = template.Library()


@register.inclusion_tag("hall/_nearby.html", takes_context=True)
def nearby_outlets(context, matter=None, theme=None) -> dict:
    from yishi.hall.views import map_card, map_context

    request = context.get("request")
    near = request.GET.get("near", "") if request is not None else ""
    # One query for both lists: the outlets handling it, and the towns one may sort from.
    handling = queries.outlets_handling(matter=matter, theme=theme).filter(pk=OuterRef("pk"))
    everyone = list(
        Outlet.objects.filter(is_active=True)
        .annotate(handles=Exists(handling))
        .order_by("kind", "code")
    )
    rows = queries.outlets_on_map([o for o in everyone if o.handles])
    origins = [
        o
        for o in everyone
        if o.kind in (Outlet.Kind.DISTRICT, Outlet.Kind.TOWN)
        and o.latitude is not None
        and o.longitude is not None
    ]
    origin = next((o for o in origins if o.code == near), None)
    if origin is not None:
        lat, lng = float(origin.latitude), float(origin.longitude)
        for r in rows:
            if r.has_location:
                r.distance_m = geo.distance_m(lat, lng, r.lat, r.lng)
        rows.sort(key=lambda r: (r.distance_m is None, r.distance_m or 0.0, r.outlet.code))
    subject = matter if matter is not None else theme
    return {
        **map_context([map_card(r) for r in rows]),
        "origins": origins,
        "near": origin.code if origin else "",
        "filter_name": "matter" if matter is not None else "theme",
        "filter_code": subject.code if subject is not None else "",
    }
