"""Scoring an exam: a question scores its points only when the chosen options are exactly the
right ones (a multiple-choice question with one option missing or one too many scores 0); the
score is the share of points, on 100, rounded half up."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Marked:
    key: str
    answer: frozenset[int]
    points: int


def normalise(chosen: object) -> frozenset[int]:
    """The chosen options as a set of indices; anything that is not an index is ignored."""
    if chosen is None:
        return frozenset()
    values = chosen if isinstance(chosen, list | tuple | set | frozenset) else [chosen]
    out = set()
    for v in values:
        try:
            out.add(int(v))
        except (TypeError, ValueError):
            continue
    return frozenset(out)


def score(questions: Iterable[Marked], answers: Mapping[str, object]) -> int:
    total = got = 0
    for q in questions:
        total += q.points
        if normalise(answers.get(q.key)) == q.answer:
            got += q.points
    if total == 0:
        return 0
    return int((Decimal(got * 100) / Decimal(total)).quantize(Decimal(1), ROUND_HALF_UP))
