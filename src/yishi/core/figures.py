"""Shares as the platform's figures state them (README, "Measures"): a number from 0 to 1."""

from __future__ import annotations


def share(part: int, whole: int, digits: int = 4) -> float | None:
    """part / whole rounded to `digits` places; None when there is nothing to count."""
    return round(part / whole, digits) if whole else None
