"""Time in one place: every timestamp fairscreen stores is an aware UTC datetime.

``utcnow`` is the system clock. Tests that need another "now" (a sweep on a day that has not
come yet, say) freeze the clock in their own process with ``frozen``; nothing outside the
Python process (no environment variable, no option) can move it, so a running fairscreen
always acts on the real date.

``LOCAL_ZONE`` is the jurisdiction's time zone (China Standard Time, Asia/Shanghai): the zone
of the days and times people read (the portals' formatter, a signal's day for the risk tiers).
Stored times stay UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_frozen: datetime | None = None
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """The current UTC date."""
    return utcnow().date()


def local_date(at: datetime) -> date:
    """The day ``at`` falls on in the jurisdiction's zone (an aware time; naive is UTC)."""
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(LOCAL_ZONE).date()


@contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """For tests only: ``utcnow`` returns ``at`` inside the block (in this process)."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("a frozen clock needs an aware datetime")
    previous, _frozen = _frozen, at.astimezone(UTC)
    try:
        yield _frozen
    finally:
        _frozen = previous


def years_between(earlier: date, later: date) -> float:
    """Whole-and-fractional years from ``earlier`` to ``later`` (negative if reversed)."""
    return (later - earlier).days / 365.2425
