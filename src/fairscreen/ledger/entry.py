"""Ledger entries: what one state change puts on the log, as canonical, versioned JSON.

Personal data never goes into an entry, and neither does anything a source answered. Who: the
organisation's row id and two pseudonyms derived from the candidate's data key, one for the
candidate (``subject``) and one for the check (``check``), which nobody can link to a person or
to a check request once the data key is destroyed. What: the event type, the items that were
consented to, scoped and queried, versions, and process codes (a stop reason, a deletion's
outcome). Which record: a salted commitment to the off-log row, whose own ``ledger_index`` names
the entry (``fairscreen.ledger.record``). No light, rule, finding, count of records or exclusion
reason: those are sealed in the rows, and the regulator's statistics come from aggregates
(``docs/ledger.md``, "What an entry says").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from fairscreen.kit.canonical import canonical_json

ENTRY_VERSION = 2


class EventType(StrEnum):
    CONSENT_SIGNED = "consent.signed"
    CONSENT_REVOKED = "consent.revoked"
    SCOPE_FIXED = "scope.fixed"
    CHECK_STOPPED = "check.stopped"
    SOURCE_QUERIED = "source.queried"
    REPORT_ISSUED = "report.issued"
    DISPUTE_OPENED = "dispute.opened"
    DISPUTE_RESOLVED = "dispute.resolved"
    DECISION_RECORDED = "decision.recorded"
    DELETION_REQUESTED = "deletion.requested"
    DELETION_RESOLVED = "deletion.resolved"
    DATA_DESTROYED = "data.destroyed"
    RULESET_PUBLISHED = "ruleset.published"
    MODEL_PUBLISHED = "model.published"  # an artefact that shapes a light, first in use
    AUDIT_PUBLISHED = "audit.published"  # a bias audit report: its digest and key figures


Attr = str | int | bool | None | list[str]


@dataclass(frozen=True, slots=True)
class Event:
    """One state change, ready to be encoded onto the log."""

    type: EventType
    at: datetime
    org: str | None = None
    subject: str | None = None  # the candidate's pseudonym (Sealer.subject_ref)
    check: str | None = None  # the check request's pseudonym (Sealer.check_ref)
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
        for key in ("org", "subject", "check", "commitment", "policy", "ruleset"):
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
