"""Ledger entries: what one state change puts on the log, as canonical, versioned JSON.

Personal data never goes into an entry. Who: the organisation's row id and the candidate's
pseudonym (``Sealer.subject_ref``), which nobody can link to the candidate once their data key
is destroyed. What: the event type, item codes, reason codes, versions. Which record: the table
and row id of the off-log record and a salted commitment to its fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from fairscreen.kit.canonical import canonical_json

ENTRY_VERSION = 1


class EventType(StrEnum):
    CONSENT_SIGNED = "consent.signed"
    CONSENT_REVOKED = "consent.revoked"
    SCOPE_FIXED = "scope.fixed"
    CHECK_STOPPED = "check.stopped"
    SOURCE_QUERIED = "source.queried"
    FINDING_VERIFIED = "finding.verified"
    FINDING_EXCLUDED = "finding.excluded"
    REPORT_ISSUED = "report.issued"
    DISPUTE_OPENED = "dispute.opened"
    DISPUTE_RESOLVED = "dispute.resolved"
    DECISION_RECORDED = "decision.recorded"
    DELETION_REQUESTED = "deletion.requested"
    DELETION_RESOLVED = "deletion.resolved"
    DATA_DESTROYED = "data.destroyed"
    RULESET_PUBLISHED = "ruleset.published"


Attr = str | int | bool | None | list[str]


@dataclass(frozen=True, slots=True)
class Event:
    """One state change, ready to be encoded onto the log."""

    type: EventType
    at: datetime
    org: str | None = None
    subject: str | None = None
    request: str | None = None
    record: str | None = None  # "<table>/<row id>" of the off-log record
    commitment: str | None = None
    items: tuple[str, ...] = ()
    policy: str | None = None
    ruleset: str | None = None
    attrs: Mapping[str, Attr] = field(default_factory=dict)

    def encode(self) -> bytes:
        body: dict[str, object] = {
            "v": ENTRY_VERSION,
            "type": str(self.type),
            "at": _timestamp(self.at),
        }
        for key in ("org", "subject", "request", "record", "commitment", "policy", "ruleset"):
            value = getattr(self, key)
            if value is not None:
                body[key] = value
        if self.items:
            body["items"] = sorted(self.items)
        if self.attrs:
            body["attrs"] = dict(self.attrs)
        return canonical_json(body)


def _timestamp(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("ledger times must be aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
