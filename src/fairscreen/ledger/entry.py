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

from collections.abc import Mapping, Sequence
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
    NOTICE_SENT = "notice.sent"
    DISPUTE_OPENED = "dispute.opened"
    DISPUTE_RESOLVED = "dispute.resolved"
    DECISION_RECORDED = "decision.recorded"
    DELETION_REQUESTED = "deletion.requested"
    DELETION_RESOLVED = "deletion.resolved"
    DATA_DESTROYED = "data.destroyed"
    RULESET_PUBLISHED = "ruleset.published"
    MODEL_PUBLISHED = "model.published"  # an artefact that shapes a light, first in use
    AUDIT_PUBLISHED = "audit.published"  # a bias audit report: its digest and key figures
    TIER_OVERRIDDEN = "tier.overridden"  # an inspector set a firm's risk tier, with a reason code
    DRAW_SEEDED = "draw.seeded"  # the seed of a plan's random draw, before the draw
    PLAN_PUBLISHED = "plan.published"  # an inspection plan: digests of its draw and its visits
    MONITOR_SIGNALLED = "monitor.signalled"  # a monitor raised a signal: its evidence's SHA-256


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
        return encode_entry(
            self.type,
            self.at,
            org=self.org,
            subject=self.subject,
            check=self.check,
            commitment=self.commitment,
            items=self.items,
            policy=self.policy,
            ruleset=self.ruleset,
            attrs=self.attrs,
        )


def encode_entry(
    type: EventType,
    at: datetime,
    *,
    org: str | None = None,
    subject: str | None = None,
    check: str | None = None,
    commitment: str | None = None,
    items: Sequence[str] = (),
    policy: str | None = None,
    ruleset: str | None = None,
    attrs: Mapping[str, Attr] | None = None,
) -> bytes:
    """The canonical bytes of the entry ``Event(type, at, ...)`` (what ``Event.encode``
    returns), without building the event first: ``fairscreen.ledger.record`` encodes a dozen
    entries per screening this way."""
    body: dict[str, object] = {"v": ENTRY_VERSION, "type": str(type), "at": _timestamp(at)}
    if org is not None:
        body["org"] = org
    if subject is not None:
        body["subject"] = subject
    if check is not None:
        body["check"] = check
    if commitment is not None:
        body["commitment"] = commitment
    if policy is not None:
        body["policy"] = policy
    if ruleset is not None:
        body["ruleset"] = ruleset
    if items:
        body["items"] = sorted(items)
    if attrs:
        body["attrs"] = dict(attrs)
    return canonical_json(body)


_STAMPS: dict[datetime, str] = {}
"""Times already written: a batch of screenings shares a handful (equal aware datetimes are the
same instant, so they are written the same)."""
_STAMPS_MAX = 4096


def _timestamp(at: datetime) -> str:
    stamp = _STAMPS.get(at)
    if stamp is None:
        if at.tzinfo is None:
            raise ValueError("ledger times must be aware")
        stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        if len(_STAMPS) >= _STAMPS_MAX:
            _STAMPS.clear()
        _STAMPS[at] = stamp
    return stamp
