"""The feedback step's periods, read from the pack in one place: when a pre-adverse notice's
waiting period ends, until when a candidate may dispute, when a reinvestigation is due.

A pack says how long (``pre_adverse_notice_days``, ``dispute_days``, ``reinvestigation_days``)
and, for the waiting period, how the days count (``pre_adverse_notice_calendar``): ``calendar``
days, or ``business`` days, Monday to Friday, as US practice reads the "reasonable period"
between a pre-adverse notice and the adverse action (FCRA §1681b(b)(3); five business days).
Days are counted on the UTC calendar from the moment of the act, and a period ends at the same
time of day as it began; public holidays are not known to the pack and count as business days
(docs/feedback.md says so).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fairscreen.policy.pack import PolicyPack

SATURDAY = 5  # date.weekday(): Monday is 0


def add_business_days(start: datetime, days: int) -> datetime:
    """``start`` plus ``days`` business days (Monday to Friday): the same time of day on the
    ``days``-th weekday after ``start``'s date. An act on a weekend counts from the Monday."""
    if days < 0:
        raise ValueError(f"days: a number of days from 0 up, got {days}")
    at = start
    left = days
    while left > 0:
        at += timedelta(days=1)
        if at.weekday() < SATURDAY:
            left -= 1
    return at


def add_days(start: datetime, days: int, calendar: str = "calendar") -> datetime:
    """``start`` plus ``days`` days counted as ``calendar`` says ("calendar" or "business")."""
    if calendar == "business":
        return add_business_days(start, days)
    if calendar != "calendar":
        raise ValueError(f"calendar: 'calendar' or 'business', got {calendar!r}")
    return start + timedelta(days=days)


def waiting_period_ends(pack: PolicyPack, notice_sent_at: datetime) -> datetime:
    """When an adverse decision may first be recorded after a pre-adverse notice sent at
    ``notice_sent_at``: ``pre_adverse_notice_days`` counted as the pack's calendar says."""
    periods = pack.periods
    return add_days(
        notice_sent_at, periods.pre_adverse_notice_days, periods.pre_adverse_notice_calendar
    )


def dispute_window_ends(pack: PolicyPack, seen_at: datetime) -> datetime:
    """Until when a candidate may dispute a report issued (or a notice sent) at ``seen_at``:
    ``dispute_days`` calendar days."""
    return seen_at + timedelta(days=pack.periods.dispute_days)


def reinvestigation_due(pack: PolicyPack, opened_at: datetime) -> datetime:
    """When a dispute opened at ``opened_at`` must be resolved: ``reinvestigation_days``
    calendar days (FCRA §1681i(a)(1)(A): thirty days); unresolved by then, the disputed finding
    is deleted."""
    return opened_at + timedelta(days=pack.periods.reinvestigation_days)
