"""好差评 API."""

from ninja import Router

router = Router(tags=["好差评"])
