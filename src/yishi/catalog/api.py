from __future__ import annotations

from ninja import Router

router = Router(tags=["事项目录"])
