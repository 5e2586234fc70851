"""What the off-site checks hand the rest of supervision (risk tiers, the inspection plan): one
``Signal`` per rule an organisation was found to break, with the ledger entries that show it.

A signal names an organisation by its row id (not personal), the scenario it belongs to, the
rule and its severity, when it opened (the time of the entry, or the deadline, that broke the
rule) and when it closed (``None`` while it is open: an overdue reinvestigation not yet done).
Its evidence is ledger indexes only; ``fairscreen.supervision.offsite.evidence`` proves each of
them against a signed checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

BACKGROUND_SCREENING = "background_screening"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    SERIOUS = "serious"  # the risk tiers' critical state while such a signal is open


SEVERITIES = tuple(Severity)


@dataclass(frozen=True, slots=True)
class Signal:
    id: str
    org: str  # an organisation's id; "platform" for the log's own operator (witness alarms)
    scenario: str
    rule: str
    severity: Severity
    opened_at: datetime
    closed_at: datetime | None
    evidence: tuple[int, ...]  # ledger indexes

    @property
    def open(self) -> bool:
        return self.closed_at is None
