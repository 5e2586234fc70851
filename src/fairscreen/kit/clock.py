"""Time in one place: every timestamp fairscreen stores is an aware UTC datetime."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def years_between(earlier: date, later: date) -> float:
    """Whole-and-fractional years from ``earlier`` to ``later`` (negative if reversed)."""
    return (later - earlier).days / 365.2425
