"""What a theme saves against doing its matters one by one: materials, visits, working days.

Always computed from the catalog, never typed in. Days: matters done separately add up; in the
theme, matters that do not need each other run in parallel, so the theme takes as long as its
longest dependent chain (the critical path over depends_on, each matter with its promised
working days). Visits: one window takes everything at once, so the theme needs at most the
visits of its most demanding matter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yishi.themes.materials import lines_for_items
from yishi.themes.models import Theme, ThemeMatter
from yishi.themes.tailoring import applicable_items, layers, prerequisites


def _percent(saved: int, before: int) -> int:
    return round(100 * saved / before) if before else 0


@dataclass(frozen=True)
class Savings:
    materials_separate: int
    materials_theme: int
    visits_separate: int
    visits_theme: int
    days_separate: int
    days_theme: int
    promised_days: int | None = None  # the theme's own promise (Theme.promised_days), if set

    @property
    def materials_saved(self) -> int:
        return self.materials_separate - self.materials_theme

    @property
    def visits_saved(self) -> int:
        return self.visits_separate - self.visits_theme

    @property
    def days_saved(self) -> int:
        return self.days_separate - self.days_theme

    @property
    def materials_saved_percent(self) -> int:
        return _percent(self.materials_saved, self.materials_separate)

    @property
    def visits_saved_percent(self) -> int:
        return _percent(self.visits_saved, self.visits_separate)

    @property
    def days_saved_percent(self) -> int:
        return _percent(self.days_saved, self.days_separate)

    def as_dict(self) -> dict[str, int | None]:
        return {
            "materials_separate": self.materials_separate,
            "materials_theme": self.materials_theme,
            "materials_saved": self.materials_saved,
            "materials_saved_percent": self.materials_saved_percent,
            "visits_separate": self.visits_separate,
            "visits_theme": self.visits_theme,
            "visits_saved": self.visits_saved,
            "visits_saved_percent": self.visits_saved_percent,
            "days_separate": self.days_separate,
            "days_theme": self.days_theme,
            "days_saved": self.days_saved,
            "days_saved_percent": self.days_saved_percent,
            "promised_days": self.promised_days,
        }


def dependency_levels(
    theme: Theme, answers: Mapping[str, Any] | None = None
) -> list[list[ThemeMatter]]:
    """The applicable matters in topological layers: layer 0 can start at once, each later
    layer needs a result of the layer before. Raises ValidationFailed on a cycle."""
    return layers(theme, applicable_items(theme, answers))


def critical_path_days(theme: Theme, items: list[ThemeMatter]) -> int:
    """Promised working days of the longest dependent chain among the items."""
    finish: dict[int, int] = {}
    for layer in layers(theme, items):
        for item in layer:
            start = max((finish[p.id] for p in prerequisites(item, items)), default=0)
            finish[item.id] = start + item.matter.promised_limit_days
    return max(finish.values(), default=0)


def savings_for_items(theme: Theme, items: list[ThemeMatter]) -> Savings:
    """The savings of these (applicable) items of the theme."""
    lines = lines_for_items(theme, items)
    return Savings(
        materials_separate=sum(len(i.matter.materials.all()) for i in items),
        materials_theme=sum(1 for line in lines if line.to_bring),
        visits_separate=sum(i.matter.visits for i in items),
        visits_theme=max((i.matter.visits for i in items), default=0),
        days_separate=sum(i.matter.promised_limit_days for i in items),
        days_theme=critical_path_days(theme, items),
        promised_days=theme.promised_days,
    )


def theme_savings(theme: Theme, answers: Mapping[str, Any] | None = None) -> Savings:
    """The savings of the theme for the answers (None: every matter)."""
    return savings_for_items(theme, applicable_items(theme, answers))
