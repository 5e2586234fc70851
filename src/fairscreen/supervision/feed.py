"""The off-site signals feeding the risk tiers: each stored signal of an organisation becomes a
``register.SignalRecord`` of its firm, so the tier stored for a registered organisation counts
(and its explanation names) what the off-site checks found.

The off-site rules grade a signal low, medium, high or serious; the tier rules weigh signals as
minor, major or serious. Low and medium count as minor, high as major, serious as serious; an
open serious signal makes the firm critical (``tiers.inputs_at``).

The off-site checks close a signal of one event (a query without consent, a not-hire against a
green report) at the event itself: the breach is done, nothing on the log will end it. For the
tiers a serious signal stays open until an inspection of the organisation has concluded after
it (``inspection_visits.concluded_at``): the firm is critical, and visited within the rules'
``critical_within_days``, until an inspector has dealt with what it did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairscreen.kit.clock import local_date
from fairscreen.supervision.codes.models import InspectionVisit
from fairscreen.supervision.offsite.models import SignalRow
from fairscreen.supervision.offsite.service import to_signal
from fairscreen.supervision.register import Firm, Register, Severity, SignalRecord
from fairscreen.supervision.signals import Severity as OffsiteSeverity
from fairscreen.supervision.signals import Signal

AS_TIER: Mapping[OffsiteSeverity, Severity] = {
    OffsiteSeverity.LOW: "minor",
    OffsiteSeverity.MEDIUM: "minor",
    OffsiteSeverity.HIGH: "major",
    OffsiteSeverity.SERIOUS: "serious",
}


def as_record(signal: Signal, visited: datetime | None = None) -> SignalRecord:
    """``visited``: when the organisation's latest inspection concluded, if one has."""
    severity = AS_TIER[signal.severity]
    dealt_with = visited is not None and visited >= signal.opened_at
    return SignalRecord(
        on=local_date(signal.opened_at),  # the district's day, as the tiers' as-of dates
        scenario=signal.scenario,
        severity=severity,
        rule=signal.rule,
        open=signal.open or (severity == "serious" and not dealt_with),
        id=signal.id,
    )


def offsite_records(session: Session, orgs: Iterable[str]) -> dict[str, list[SignalRecord]]:
    """Every stored off-site signal of these organisations, as the tiers read them."""
    wanted = set(orgs)
    visited: dict[str, datetime] = {
        org: at
        for org, at in session.execute(
            select(InspectionVisit.org, func.max(InspectionVisit.concluded_at))
            .where(InspectionVisit.concluded_at.is_not(None))
            .group_by(InspectionVisit.org)
        )
        if at is not None
    }
    out: dict[str, list[SignalRecord]] = {}
    for row in session.scalars(select(SignalRow).order_by(SignalRow.opened_at, SignalRow.id)):
        if row.org in wanted:
            record = as_record(to_signal(row), visited.get(row.org))
            out.setdefault(row.org, []).append(record)
    return out


def with_offsite_signals(
    session: Session, register: Register, scenarios: Iterable[str]
) -> Register:
    """The register with each firm's off-site signals added to its own (those of a scenario the
    tier rules do not know, or that the firm is not supervised under, are left out; a signal
    already in the register under the same id is not counted twice)."""
    known = set(scenarios)
    found = offsite_records(session, register.firms)
    firms: list[Firm] = []
    for firm in register.firms.values():
        have = {s.id for s in firm.signals if s.id is not None}
        extra = tuple(
            r
            for r in found.get(firm.id, ())
            if r.scenario in known and r.scenario in firm.scenarios and r.id not in have
        )
        firms.append(firm.model_copy(update={"signals": firm.signals + extra}) if extra else firm)
    return Register(register.offices.values(), register.inspectors.values(), firms)
