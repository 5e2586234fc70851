"""How a monitor's alert becomes a supervision signal: one function every monitor calls.

A monitor (livestream commerce, smart elevators, bright kitchens) warns the firm first; when
its own rule pack says an alert is repeated, ignored or serious enough, it *escalates*: it hands
``escalate`` an ``Escalation`` (which firm, under which supervision scenario, which rule and how
serious, when, and the evidence document: segment, event, snapshot reference, times, ids). In
the caller's transaction, ``escalate``

- stores the document in ``monitor_evidence`` and commits to it on the ledger
  (``monitor.signalled``: the firm, the monitor, the rule, the scenario, the rule pack and the
  document's SHA-256; never the document, which names no person anyway);
- stores a ``supervision_signals`` row whose evidence is that entry's index, so the signals
  queue, the evidence with inclusion proofs (``supervision.offsite.evidence``), the risk tiers
  (``supervision.feed``) and the inspection plan read it like an off-site signal.

An escalation is idempotent on its ``key`` (the monitor's own name for what it signals: a room
and rule and day, an elevator's overdue maintenance since a date): the same key twice is one
signal. ``close`` ends a signal whose cause is gone (maintenance done, a camera fixed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fairscreen.kit.canonical import assert_canonical, canonical_json
from fairscreen.kit.errors import InputError, NotFoundError
from fairscreen.kit.ids import new_id
from fairscreen.ledger.entry import EventType
from fairscreen.ledger.record import record
from fairscreen.monitors.models import MonitorEvidence
from fairscreen.supervision.offsite.models import SignalRow
from fairscreen.supervision.publish import publish_ruleset
from fairscreen.supervision.signals import Severity

MONITORS = ("livestream", "elevators", "kitchens")


@dataclass(frozen=True, slots=True)
class Escalation:
    monitor: str  # one of MONITORS
    key: str  # what is signalled, in the monitor's words; unique per monitor
    org: str  # the firm's id (the register's and the organisations' id)
    scenario: str  # the supervision scenario: livestream_ecommerce, elevator, catering, ...
    rule: str  # the monitor rule's id, e.g. "livestream.absolute_terms"
    severity: Severity
    ruleset: str  # the monitor's rule pack, id@version (published first: ``publish_pack``)
    opened_at: datetime  # when what is signalled happened
    evidence: Mapping[str, Any]  # the document: ids, times, rule, text; canonical JSON values
    title: str  # the rule's title, as the signals queue shows it
    legal_basis: str  # article and paragraph
    guidance: str | None = None  # a 普法碼 guidance code (supervision/codes/guidance.toml)


@dataclass(frozen=True, slots=True)
class Escalated:
    signal: SignalRow
    index: int  # the ledger index of the ``monitor.signalled`` entry
    created: bool  # False: the key had been escalated before; nothing was written


def signal_key(monitor: str, key: str) -> str:
    return f"monitor:{monitor}:{key}"


def publish_pack(session: Session, *, monitor: str, ref: str, digest: str, now: datetime) -> bool:
    """Put a monitor's rule pack on the ledger the first time it is used (kind
    ``<monitor>_rules``); a changed file under a published version is refused."""
    _known(monitor)
    return publish_ruleset(
        session,
        kind=f"{monitor}_rules",
        ref=ref,
        digest=digest,
        now=now,
        what=f"{monitor} rule pack",
    )


def escalate(session: Session, e: Escalation, *, now: datetime) -> Escalated:
    _known(e.monitor)
    if not e.key or len(signal_key(e.monitor, e.key)) > 160:
        raise InputError("key", "a monitor's signal key is 1 to 140 characters")
    key = signal_key(e.monitor, e.key)
    existing = session.scalar(select(SignalRow).where(SignalRow.key == key))
    if existing is not None:
        return Escalated(existing, existing.evidence[0] if existing.evidence else -1, False)
    try:
        assert_canonical(dict(e.evidence))
        document = canonical_json(dict(e.evidence))
    except TypeError as exc:  # a float or another value canonical JSON refuses
        raise InputError("evidence", f"not canonical JSON ({exc})") from None
    digest = hashlib.sha256(document).hexdigest()
    row: dict[str, Any] = {
        "id": new_id(),
        "signal_key": key,
        "monitor": e.monitor,
        "org": e.org,
        "scenario": e.scenario,
        "rule": e.rule,
        "digest": digest,
        "observed_at": e.opened_at,
        "document": document.decode(),
    }
    index = record(
        session,
        EventType.MONITOR_SIGNALLED,
        MonitorEvidence,
        row,
        at=now,
        org=e.org,
        ruleset=e.ruleset,
        attrs={
            "monitor": e.monitor,
            "rule": e.rule,
            "scenario": e.scenario,
            "severity": str(e.severity),
            "digest": digest,
        },
    )
    signal = SignalRow(
        id=new_id(),
        key=key,
        org=e.org,
        scenario=e.scenario,
        rule=e.rule,
        severity=str(e.severity),
        opened_at=e.opened_at,
        closed_at=None,
        evidence=[index],
        detail={
            "monitor": e.monitor,
            "title": e.title,
            "legal_basis": e.legal_basis,
            "guidance": e.guidance,
            "evidence_digest": digest,
        },
        ruleset=e.ruleset,
        found_at=now,
    )
    session.add(signal)
    session.flush()
    return Escalated(signal, index, True)


def close(session: Session, monitor: str, key: str, at: datetime) -> bool:
    """Close the open signal ``key`` of ``monitor`` at ``at``; False if none is open."""
    _known(monitor)
    result = session.execute(
        update(SignalRow)
        .where(SignalRow.key == signal_key(monitor, key), SignalRow.closed_at.is_(None))
        .values(closed_at=at)
    )
    return bool(getattr(result, "rowcount", 0))


def evidence_document(session: Session, signal_id: str) -> tuple[str, dict[str, Any]]:
    """A monitor signal's evidence document and its SHA-256 (the digest its ledger entry
    carries): what the firm or an inspector checks the entry against."""
    signal = session.get(SignalRow, signal_id)
    if signal is None:
        raise NotFoundError(f"no signal {signal_id}")
    row = session.scalar(select(MonitorEvidence).where(MonitorEvidence.signal_key == signal.key))
    if row is None:
        raise NotFoundError(f"signal {signal_id} is not a monitor's: its evidence is the ledger's")
    return row.digest, orjson.loads(row.document)


def _known(monitor: str) -> None:
    if monitor not in MONITORS:
        raise InputError("monitor", f"one of {', '.join(MONITORS)}, not {monitor!r}")
