from __future__ import annotations

from ninja import Router

router = Router(tags=["一件事主题"])
