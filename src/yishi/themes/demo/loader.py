"""Loads the 14 demo "一件事" themes from themes.json through `theme_upsert`, published.

Idempotent: a theme whose content equals the file is not written, so a second run changes no
row and appends no audit entry. Needs the demo catalog (departments and matters) loaded first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from yishi.core.errors import ValidationFailed
from yishi.themes.models import Theme
from yishi.themes.services import theme_upsert

DEMO_DIR = Path(__file__).resolve().parent
THEMES_FILE = DEMO_DIR / "themes.json"


@dataclass
class ThemeLoadResult:
    themes: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        return (
            f"一件事主题：{self.themes} 个（新增 {self.created}，更新 {self.updated}，"
            f"未变 {self.unchanged}）"
        )


def read_themes() -> list[dict[str, Any]]:
    return json.loads(THEMES_FILE.read_text(encoding="utf-8"))["themes"]


@transaction.atomic
def load_themes(stdout=None, *, actor=None) -> ThemeLoadResult:
    """Create or bring up to date every demo theme, published; returns the counts."""
    result = ThemeLoadResult()
    existing = set(Theme.objects.values_list("code", flat=True))
    for data in read_themes():
        data = {**data, "status": Theme.Status.PUBLISHED}
        try:
            _, changed = theme_upsert(data, actor=actor)
        except ValidationFailed as exc:
            raise ValidationFailed(
                f"示范主题 {data.get('code')}（{data.get('name')}）：{exc.message}",
                field=exc.field,
            ) from exc
        if data["code"] not in existing:
            result.created += 1
        elif changed:
            result.updated += 1
        else:
            result.unchanged += 1
        result.themes += 1
    if stdout is not None:
        stdout.write(result.summary())
    return result
