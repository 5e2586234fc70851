"""The livestream monitor's chain: rooms in, alerts to the firm, signals to the regulator.

``ingest`` reads rooms (``format``), runs a detector over each transcript and the listing
checks over its listings, and in ONE transaction stores the rooms and their alerts, queues one
``livestream.alert`` webhook per alert for the firm's endpoints (``notify.webhooks.emit``: the
alert's id and time only; the firm's monitoring point fetches the prompt from the API) and
escalates what the pack says is repeated: ``repeat_count`` alerts of one rule in one room within
``repeat_window_s`` of stream time become one supervision signal (``monitors.escalate``), one
severity step above the rule's. ``sweep`` escalates, at the rule's own severity, every alert the
firm has not acknowledged within ``ack_deadline_s`` of it being raised. The evidence document
holds the room, the firm, the rule, the pack, the segments with their times and text: never the
host's id, never a person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairscreen.kit.errors import ConflictError, NotFoundError
from fairscreen.kit.ids import new_id
from fairscreen.monitors import escalate
from fairscreen.monitors.escalate import Escalation
from fairscreen.monitors.livestream.detect import Detector, Finding, structured
from fairscreen.monitors.livestream.format import Room
from fairscreen.monitors.livestream.models import LivestreamAlert, LivestreamRoom
from fairscreen.monitors.livestream.pack import Pack, Rule
from fairscreen.notify import webhooks
from fairscreen.supervision.signals import Severity

MONITOR = "livestream"
SCENARIO = "livestream_ecommerce"
EVENT = "livestream.alert"
_UP = {
    Severity.LOW: Severity.MEDIUM,
    Severity.MEDIUM: Severity.HIGH,
    Severity.HIGH: Severity.SERIOUS,
    Severity.SERIOUS: Severity.SERIOUS,
}


@dataclass
class RunResult:
    pack: str
    detector: str
    published: bool = False
    rooms: int = 0
    segments: int = 0
    alerts: int = 0
    notified: int = 0
    escalated: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "pack": self.pack,
            "detector": self.detector,
            "published": self.published,
            "rooms": self.rooms,
            "segments": self.segments,
            "alerts": self.alerts,
            "notified": self.notified,
            "escalated": self.escalated,
            "by_rule": dict(sorted(self.by_rule.items())),
        }


def detect_rooms(rooms: Sequence[Room], detector: Detector, pack: Pack) -> list[list[Finding]]:
    """Every room's findings (the detector's over its transcript, the listing checks over its
    listings), before anything is written: a detector that fails stops the run here."""
    return [
        sorted(
            [*detector.detect(room), *structured(room, pack)],
            key=lambda f: (f.start_ms, f.rule, f.segment or 0),
        )
        for room in rooms
    ]


def publish(session: Session, pack: Pack, now: datetime) -> bool:
    return escalate.publish_pack(
        session, monitor=MONITOR, ref=pack.ref, digest=pack.digest, now=now
    )


def ingest(
    session: Session,
    rooms: Sequence[Room],
    *,
    pack: Pack,
    detector: Detector,
    now: datetime,
    findings: Sequence[Sequence[Finding]] | None = None,
) -> RunResult:
    """Store ``rooms`` and their alerts, notify the firms, escalate repeats; in the caller's
    transaction. A room already ingested is refused (``ConflictError``, naming it)."""
    names = [r.room for r in rooms]
    if len(set(names)) != len(names):
        raise ConflictError("a room is given twice in one run")
    known = set(session.scalars(select(LivestreamRoom.room).where(LivestreamRoom.room.in_(names))))
    if known:
        raise ConflictError(f"room {sorted(known)[0]} was ingested before: a room is read once")
    found = list(findings) if findings is not None else detect_rooms(rooms, detector, pack)
    result = RunResult(pack.ref, detector.name, published=publish(session, pack, now))
    rules: dict[str, Rule] = {r.id: r for r in pack.rules}
    for room, room_findings in zip(rooms, found, strict=True):
        session.add(
            LivestreamRoom(
                room=room.room,
                firm=room.firm,
                host=room.host,
                started_at=room.started_at,
                ad_label=room.ad_label,
                listings=[item.model_dump() for item in room.listings],
                segments=len(room.segments),
                last_ms=max((s.end_ms for s in room.segments), default=0),
                pack=pack.ref,
                detector=detector.name,
                ingested_at=now,
            )
        )
        result.rooms += 1
        result.segments += len(room.segments)
        alerts: list[LivestreamAlert] = []
        for f in room_findings:
            rule = rules.get(f.rule)
            if rule is None:  # a remote model may know rules this pack leaves out
                continue
            alert = LivestreamAlert(
                id=new_id(),
                room=room.room,
                firm=room.firm,
                rule=f.rule,
                severity=str(rule.severity),
                segment=f.segment,
                start_ms=f.start_ms,
                end_ms=f.end_ms,
                said_at=room.started_at + timedelta(milliseconds=f.start_ms),
                text=f.text,
                matched=f.matched[:120],
                product=f.product,
                detector=f.detector,
                score=f.score,
                pack=pack.ref,
                raised_at=now,
                notified=0,
            )
            alert.notified = len(
                webhooks.emit(
                    session,
                    organisation_id=room.firm,
                    event=EVENT,
                    data={"alert_id": alert.id, "start_ms": f.start_ms},
                    now=now,
                )
            )
            alerts.append(alert)
            result.alerts += 1
            result.notified += alert.notified
            result.by_rule[f.rule] = result.by_rule.get(f.rule, 0) + 1
        session.add_all(alerts)
        session.flush()
        result.escalated += _escalate_repeats(session, room, alerts, pack, rules, now)
    return result


def _document(
    room: str, firm: str, rule: Rule, pack: Pack, reason: str, alerts: Sequence[LivestreamAlert]
) -> dict[str, Any]:
    return {
        "monitor": MONITOR,
        "room": room,
        "firm": firm,
        "rule": f"{MONITOR}.{rule.id}",
        "legal_basis": rule.legal_basis,
        "pack": pack.ref,
        "reason": reason,
        "alerts": [
            {
                "alert": a.id,
                "segment": a.segment,
                "start_ms": a.start_ms,
                "end_ms": a.end_ms,
                "said_at": a.said_at.isoformat(),
                "text": a.text,
                "matched": a.matched,
                "product": a.product,
                "detector": a.detector,
                "score": a.score,
            }
            for a in alerts
        ],
    }


def _signal(
    session: Session,
    *,
    key: str,
    firm: str,
    rule: Rule,
    severity: Severity,
    pack: Pack,
    reason: str,
    alerts: Sequence[LivestreamAlert],
    now: datetime,
) -> bool:
    made = escalate.escalate(
        session,
        Escalation(
            monitor=MONITOR,
            key=key,
            org=firm,
            scenario=SCENARIO,
            rule=f"{MONITOR}.{rule.id}",
            severity=severity,
            ruleset=pack.ref,
            opened_at=alerts[0].said_at,
            evidence=_document(alerts[0].room, firm, rule, pack, reason, alerts),
            title=rule.title,
            legal_basis=rule.legal_basis,
            guidance=rule.guidance,
        ),
        now=now,
    )
    for a in alerts:
        if a.signal_id is None:
            a.signal_id = made.signal.id
            a.escalated = reason
    return made.created


def _escalate_repeats(
    session: Session,
    room: Room,
    alerts: Sequence[LivestreamAlert],
    pack: Pack,
    rules: dict[str, Rule],
    now: datetime,
) -> int:
    params = pack.escalation
    window = params.repeat_window_s * 1000
    by_rule: dict[str, list[LivestreamAlert]] = defaultdict(list)
    for a in alerts:
        by_rule[a.rule].append(a)
    made = 0
    for rule_id, items in sorted(by_rule.items()):
        items.sort(key=lambda a: a.start_ms)
        first = 0
        for last in range(len(items)):
            while items[last].start_ms - items[first].start_ms > window:
                first += 1
            if last - first + 1 >= params.repeat_count:
                rule = rules[rule_id]
                made += _signal(
                    session,
                    key=f"{room.room}:{rule_id}:repeated",
                    firm=room.firm,
                    rule=rule,
                    severity=_UP[Severity(rule.severity)],
                    pack=pack,
                    reason="repeated",
                    alerts=items[first : last + 1],
                    now=now,
                )
                break
    return made


def sweep(session: Session, *, pack: Pack, now: datetime) -> int:
    """Escalate every alert not acknowledged within the pack's deadline (one signal per room
    and rule); returns the signals made."""
    deadline = now - timedelta(seconds=pack.escalation.ack_deadline_s)
    due = session.scalars(
        select(LivestreamAlert)
        .where(
            LivestreamAlert.acknowledged_at.is_(None),
            LivestreamAlert.signal_id.is_(None),
            LivestreamAlert.raised_at <= deadline,
        )
        .order_by(LivestreamAlert.room, LivestreamAlert.rule, LivestreamAlert.start_ms)
    ).all()
    groups: dict[tuple[str, str], list[LivestreamAlert]] = defaultdict(list)
    for a in due:
        groups[(a.room, a.rule)].append(a)
    rules: dict[str, Rule] = {r.id: r for r in pack.rules}
    made = 0
    if groups:
        publish(session, pack, now)
    for (room, rule_id), items in sorted(groups.items()):
        rule = rules.get(rule_id)
        if rule is None:
            continue
        made += _signal(
            session,
            key=f"{room}:{rule_id}:ignored",
            firm=items[0].firm,
            rule=rule,
            severity=Severity(rule.severity),
            pack=pack,
            reason="ignored",
            alerts=items,
            now=now,
        )
    return made


def get_alert(session: Session, alert_id: str, *, firm: str | None = None) -> LivestreamAlert:
    """The alert ``alert_id``; with ``firm``, only if it is that firm's (404 otherwise)."""
    row = session.get(LivestreamAlert, alert_id)
    if row is None or (firm is not None and row.firm != firm):
        raise NotFoundError(f"no livestream alert {alert_id}")
    return row


def acknowledge(
    session: Session, alert_id: str, *, by: str, now: datetime, firm: str | None = None
) -> LivestreamAlert:
    """The firm has seen the prompt (and told the host): the alert no longer escalates as
    ignored. Acknowledging twice keeps the first time."""
    row = get_alert(session, alert_id, firm=firm)
    if row.acknowledged_at is None:
        row.acknowledged_at = now
        row.acknowledged_by = by[:80]
    return row


def list_alerts(
    session: Session,
    *,
    firm: str | None = None,
    room: str | None = None,
    rule: str | None = None,
    open_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[LivestreamAlert]]:
    query = select(LivestreamAlert)
    if firm is not None:
        query = query.where(LivestreamAlert.firm == firm)
    if room is not None:
        query = query.where(LivestreamAlert.room == room)
    if rule is not None:
        query = query.where(LivestreamAlert.rule == rule)
    if open_only:
        query = query.where(LivestreamAlert.acknowledged_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(
            LivestreamAlert.raised_at.desc(), LivestreamAlert.said_at.desc(), LivestreamAlert.id
        )
        .limit(limit)
        .offset(offset)
    ).all()
    return total, list(rows)


def alert_json(row: LivestreamAlert) -> dict[str, Any]:
    return {
        "id": row.id,
        "room": row.room,
        "firm": row.firm,
        "rule": f"{MONITOR}.{row.rule}",
        "severity": row.severity,
        "segment": row.segment,
        "start_ms": row.start_ms,
        "end_ms": row.end_ms,
        "said_at": row.said_at.isoformat(),
        "text": row.text,
        "matched": row.matched,
        "product": row.product,
        "detector": row.detector,
        "score": row.score,
        "pack": row.pack,
        "raised_at": row.raised_at.isoformat(),
        "notified": row.notified,
        "acknowledged_at": row.acknowledged_at.isoformat() if row.acknowledged_at else None,
        "signal_id": row.signal_id,
        "escalated": row.escalated,
    }


def overview(session: Session, *, firm: str | None = None, firms_limit: int = 50) -> dict[str, Any]:
    """The monitor's live state: rooms, alerts by rule, open alerts, escalations, and the
    ``firms_limit`` firms with the most alerts."""
    rooms_q = select(func.count()).select_from(LivestreamRoom)
    alerts_q = select(LivestreamAlert.rule, func.count()).group_by(LivestreamAlert.rule)
    open_q = (
        select(func.count())
        .select_from(LivestreamAlert)
        .where(LivestreamAlert.acknowledged_at.is_(None))
    )
    esc_q = select(func.count(func.distinct(LivestreamAlert.signal_id))).where(
        LivestreamAlert.signal_id.is_not(None)
    )
    firms_q = (
        select(
            LivestreamAlert.firm,
            func.count(),
            func.count(func.distinct(LivestreamAlert.room)),
            func.count(func.distinct(LivestreamAlert.signal_id)),
        )
        .group_by(LivestreamAlert.firm)
        .order_by(func.count().desc(), LivestreamAlert.firm)
        .limit(firms_limit)
    )
    if firm is not None:
        rooms_q = rooms_q.where(LivestreamRoom.firm == firm)
        alerts_q = alerts_q.where(LivestreamAlert.firm == firm)
        open_q = open_q.where(LivestreamAlert.firm == firm)
        esc_q = esc_q.where(LivestreamAlert.firm == firm)
        firms_q = firms_q.where(LivestreamAlert.firm == firm)
    by_rule = {f"{MONITOR}.{r}": n for r, n in session.execute(alerts_q)}
    return {
        "rooms": session.scalar(rooms_q) or 0,
        "alerts": sum(by_rule.values()),
        "by_rule": dict(sorted(by_rule.items())),
        "open": session.scalar(open_q) or 0,
        "escalations": session.scalar(esc_q) or 0,
        "firms": [
            {"firm": f, "alerts": n, "rooms": rooms, "escalations": esc}
            for f, n, rooms, esc in session.execute(firms_q)
        ],
    }
