"""帮办代办 API."""

from ninja import Router

router = Router(tags=["帮办代办"])
