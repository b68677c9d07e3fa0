"""Savings are computed: materials de-duplicated, one window's visits, the critical path."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.catalog.factories import MatterFactory
from tests.themes.factories import ThemeFactory, ThemeMatterFactory, make_birth_theme
from yishi.core.errors import ValidationFailed
from yishi.themes.savings import Savings, dependency_levels, theme_savings

pytestmark = pytest.mark.django_db


def test_savings_of_the_hand_built_theme_are_exact():
    theme = make_birth_theme()["theme"]
    assert theme_savings(theme) == Savings(
        materials_separate=11,
        materials_theme=4,
        visits_separate=4,
        visits_theme=2,
        days_separate=17,
        days_theme=10,
        promised_days=None,
    )


def test_reductions_and_percentages():
    s = theme_savings(make_birth_theme()["theme"])
    assert (s.materials_saved, s.materials_saved_percent) == (7, 64)
    assert (s.visits_saved, s.visits_saved_percent) == (2, 50)
    assert (s.days_saved, s.days_saved_percent) == (7, 41)
    assert s.as_dict()["days_saved_percent"] == 41


def test_a_chain_takes_its_sum_and_independent_matters_run_in_parallel():
    # A(5) → B(3) → C(2), D(7) alone: the chain decides (10), not the sum (17).
    theme = ThemeFactory()
    a = ThemeMatterFactory(theme=theme, matter=MatterFactory(promised_limit_days=5))
    b = ThemeMatterFactory(theme=theme, matter=MatterFactory(promised_limit_days=3), depends_on=[a])
    ThemeMatterFactory(theme=theme, matter=MatterFactory(promised_limit_days=2), depends_on=[b])
    ThemeMatterFactory(theme=theme, matter=MatterFactory(promised_limit_days=7))
    s = theme_savings(theme)
    assert (s.days_separate, s.days_theme) == (17, 10)


def test_the_longest_branch_of_a_diamond_decides():
    theme = ThemeFactory()
    a = ThemeMatterFactory(theme=theme, matter=MatterFactory(promised_limit_days=1))
    b = ThemeMatterFactory(theme=theme, matter=MatterFactory(promised_limit_days=8), depends_on=[a])
    c = ThemeMatterFactory(theme=theme, matter=MatterFactory(promised_limit_days=2), depends_on=[a])
    ThemeMatterFactory(theme=theme, matter=MatterFactory(promised_limit_days=3), depends_on=[b, c])
    assert theme_savings(theme).days_theme == 12
    assert [len(layer) for layer in dependency_levels(theme)] == [1, 2, 1]


def test_answers_shorten_the_chain_and_the_visits():
    theme = make_birth_theme()["theme"]
    s = theme_savings(theme, {"born_here": "no", "need_card": "no"})
    assert (s.days_separate, s.days_theme) == (5, 5)
    assert (s.visits_separate, s.visits_theme) == (1, 1)
    # 出生医学证明 is now the applicant's to bring: id_card, birth_certificate, marriage
    assert (s.materials_separate, s.materials_theme) == (7, 3)


def test_zero_visit_matters_make_a_zero_visit_theme():
    theme = ThemeFactory()
    ThemeMatterFactory(theme=theme, matter=MatterFactory(visits=0))
    ThemeMatterFactory(theme=theme, matter=MatterFactory(visits=0))
    assert (theme_savings(theme).visits_separate, theme_savings(theme).visits_theme) == (0, 0)


def test_an_empty_theme_saves_nothing_and_does_not_divide_by_zero():
    s = theme_savings(ThemeFactory())
    assert s == Savings(0, 0, 0, 0, 0, 0, None)
    assert s.materials_saved_percent == 0


def test_the_themes_own_promise_is_reported_beside_the_computed_chain():
    s = theme_savings(make_birth_theme(promised_days=8)["theme"])
    assert (s.promised_days, s.days_theme) == (8, 10)


def test_dependency_levels_are_topological_layers():
    built = make_birth_theme()
    items = built["items"]
    assert dependency_levels(built["theme"]) == [
        [items["a"], items["d"]],
        [items["b"]],
        [items["c"]],
    ]
    assert dependency_levels(built["theme"], {"born_here": "no"}) == [
        [items["b"], items["d"]],
        [items["c"]],
    ]


def test_a_dependency_cycle_is_detected():
    theme = ThemeFactory(name="循环主题")
    a = ThemeMatterFactory(theme=theme, matter=MatterFactory(name="甲事项"))
    b = ThemeMatterFactory(theme=theme, matter=MatterFactory(name="乙事项"), depends_on=[a])
    c = ThemeMatterFactory(theme=theme, matter=MatterFactory(name="丙事项"), depends_on=[b])
    a.depends_on.add(c)
    with pytest.raises(ValidationFailed) as exc:
        theme_savings(theme)
    assert exc.value.field == "depends_on"
    assert (
        exc.value.message == "主题「循环主题」的前置事项形成循环：甲事项 → 乙事项 → 丙事项 → 甲事项"
    )


def test_a_matter_needing_itself_is_a_cycle():
    item = ThemeMatterFactory(matter=MatterFactory(name="自依赖"))
    item.depends_on.add(item)
    with pytest.raises(ValidationFailed, match="自依赖 → 自依赖"):
        dependency_levels(item.theme)


def longest_path(days: list[int], edges: set[tuple[int, int]]) -> int:
    """Brute force: the heaviest path of a DAG whose edges go from lower to higher index."""
    best = list(days)
    for j in range(len(days)):
        for i in range(j):
            if (i, j) in edges:
                best[j] = max(best[j], best[i] + days[j])
    return max(best, default=0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=6).flatmap(
        lambda days: st.tuples(
            st.just(days),
            st.sets(
                st.tuples(st.integers(0, len(days) - 1), st.integers(0, len(days) - 1)).filter(
                    lambda e: e[0] < e[1]
                )
            ),
        )
    )
)
def test_days_theme_is_the_heaviest_dependent_chain(case):
    days, edges = case
    theme = ThemeFactory()
    items = [
        ThemeMatterFactory(theme=theme, matter=MatterFactory(promised_limit_days=d)) for d in days
    ]
    for i, j in edges:
        items[j].depends_on.add(items[i])
    s = theme_savings(theme)
    assert s.days_theme == longest_path(days, edges)
    assert max(days) <= s.days_theme <= s.days_separate == sum(days)
