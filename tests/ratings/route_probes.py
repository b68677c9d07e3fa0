"""好差评 routes for the route-by-role table (tests/test_routes_by_role.py), merged there:
`ratings_world(w)` makes what the paths name, `PROBES` is the lines to add to its PROBES.

Access rules: rating pages and `POST /api/v1/ratings` are for the person served (the
application's applicant or the company's verified agent; anyone else 404, anonymous 401 or
the sign-in page); a ticket's token, a signed SMS link and the statistics are public; the
follow-up pages and `GET /api/v1/rating-followups` are for department leads (their
department's; the world has none), supervisors and administrators; recording a follow-up
step is the responsible department's lead's or an administrator's (a supervisor only decides
appeals)."""

from __future__ import annotations

from typing import Any

from yishi.ratings import services


def ratings_world(w: Any) -> dict[str, str]:
    """A 差评 of the world's accepted application at 受理 by its owner, with its follow-up
    (assigned to the district centre, which handles the theme), and a signed rating link."""
    rating = services.rating_submit(
        target=services.application_target(w.app),
        stage="accept",
        level=1,
        indicators=["办事效率"],
        user=w.owner.user,
    )
    return {
        "rating": str(rating.pk),
        "followup": str(rating.followup.pk),
        "rating_link": services.link_token(w.app, "accept"),
    }
