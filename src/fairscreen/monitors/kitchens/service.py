"""Bright kitchens over a session: ingest the feed, record reviews, flag cameras that cry wolf,
and escalate confirmed events by the rule pack (docs/monitors.md, "Bright kitchens").

- ``ingest``: events, reviews and camera fixes (``events``), checked whole first; an event seen
  before is skipped when identical and refused when it differs (409: an event is what the
  camera reported, it does not change); a review of no known event is 404. ``org``: a firm
  sending its own feed may name no other firm (404, as if it did not exist).
- ``review``: a person confirms or dismisses an event, recorded with the account and the time.
- ``run``: (1) flag every camera whose dismissed share over the pack's window passed the
  threshold (with at least ``min_reviewed`` reviews): a maintenance alert to the firm, none to
  the regulator; the camera's events from its previous fix (or its first event) until it is
  fixed again stop counting against the restaurant. (2) For each restaurant and rule, count the
  confirmed events that still count in a sliding window; when ``count`` fall within
  ``window_days``, escalate one signal (``monitors.escalate``) with the events as evidence;
  then count afresh from one window after the last of them (at most one signal per rule and
  restaurant per window: a kitchen that keeps failing raises one signal a month, not one per
  five lapses).
- ``fix_camera``: the firm had a flagged camera serviced; its events count again from then.
"""

from __future__ import annotations

import hashlib
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import Session

from fairscreen.kit.errors import ConflictError, InputError, NotFoundError
from fairscreen.kit.ids import new_id
from fairscreen.monitors import escalate
from fairscreen.monitors.kitchens.events import CameraFixed, Event, Record, Review
from fairscreen.monitors.kitchens.models import CameraFlag, KitchenEvent
from fairscreen.monitors.kitchens.pack import Pack, Rule
from fairscreen.monitors.models import MonitorEvidence
from fairscreen.supervision.offsite import service as offsite
from fairscreen.supervision.offsite.models import SignalRow

MONITOR = "kitchens"
_CHUNK = 500


@dataclass(slots=True)
class Ingested:
    events: int = 0  # new events stored
    repeated: int = 0  # events seen before, identical: skipped
    reviews: int = 0
    fixes: int = 0

    def as_json(self) -> dict[str, int]:
        return {
            "events": self.events,
            "repeated": self.repeated,
            "reviews": self.reviews,
            "fixes": self.fixes,
        }


def _event_row(e: Event, now: datetime) -> dict[str, Any]:
    return {
        "id": e.id,
        "org": e.restaurant,
        "camera": e.camera,
        "at": e.at,
        "kind": e.kind,
        "snapshot": e.snapshot.ref,
        "snapshot_sha256": e.snapshot.sha256,
        "confidence": e.confidence,
        "received_at": now,
        "verdict": None,
        "reviewed_by": None,
        "reviewed_at": None,
    }


_SAME = ("org", "camera", "at", "kind", "snapshot", "snapshot_sha256", "confidence")


def ingest(
    session: Session, records: Sequence[Record], *, now: datetime, org: str | None = None
) -> Ingested:
    """Store the records in the caller's transaction. ``org``: only this firm's records."""
    out = Ingested()
    fresh: dict[str, dict[str, Any]] = {}
    for n, r in enumerate(records):
        if isinstance(r, Event):
            if org is not None and r.restaurant != org:
                raise NotFoundError(f"record {n + 1}: restaurant {r.restaurant}: not yours")
            row = _event_row(r, now)
            before = fresh.get(r.id)
            if before is not None and any(before[k] != row[k] for k in _SAME):
                raise ConflictError(f"record {n + 1}: event {r.id} twice, different")
            fresh[r.id] = row
    known: dict[str, KitchenEvent] = {}
    ids = list(fresh)
    reviewed_ids = [r.event for r in records if isinstance(r, Review) and r.event not in fresh]
    for chunk in range(0, max(len(ids), len(reviewed_ids)), _CHUNK):
        wanted = ids[chunk : chunk + _CHUNK] + reviewed_ids[chunk : chunk + _CHUNK]
        for found in session.scalars(select(KitchenEvent).where(KitchenEvent.id.in_(wanted))):
            known[found.id] = found
    for eid in ids:
        stored = known.get(eid)
        if stored is None:
            continue
        row = fresh.pop(eid)
        if any(getattr(stored, k) != row[k] for k in _SAME):
            raise ConflictError(f"event {eid}: stored before with different content")
        out.repeated += 1
    updates: list[dict[str, Any]] = []
    for n, r in enumerate(records):
        if isinstance(r, Review):
            verdict = {"verdict": r.verdict, "reviewed_by": r.by, "reviewed_at": r.at}
            if r.event in fresh:
                fresh[r.event].update(verdict)
            elif r.event in known and (org is None or known[r.event].org == org):
                updates.append({"id": r.event, **verdict})
            else:
                raise NotFoundError(f"record {n + 1}: no event {r.event}")
            out.reviews += 1
    rows = list(fresh.values())
    # not kit.db.bulk_insert: on SQLite it stores times as '...+00:00', which sorts before the
    # '....000000' SQLAlchemy binds in a query, so a range would miss an event on its boundary
    for chunk in range(0, len(rows), 5_000):
        session.execute(insert(KitchenEvent), rows[chunk : chunk + 5_000])
    out.events = len(rows)
    if updates:
        session.execute(update(KitchenEvent), updates)
    for n, r in enumerate(records):
        if isinstance(r, CameraFixed):
            if org is not None and r.restaurant != org:
                raise NotFoundError(f"record {n + 1}: restaurant {r.restaurant}: not yours")
            fix_camera(session, r.restaurant, r.camera, by=r.by, at=r.at)
            out.fixes += 1
    session.flush()
    return out


def review(
    session: Session,
    event_id: str,
    verdict: str,
    *,
    by: str,
    at: datetime,
    org: str | None = None,
) -> KitchenEvent:
    """Record a person's verdict on an event (a later review replaces an earlier one)."""
    if verdict not in ("confirmed", "dismissed"):
        raise InputError("verdict", "confirmed or dismissed")
    event = session.get(KitchenEvent, event_id)
    if event is None or (org is not None and event.org != org):
        raise NotFoundError(f"no event {event_id}")
    event.verdict, event.reviewed_by, event.reviewed_at = verdict, by, at
    session.flush()
    return event


def open_flag(session: Session, org: str, camera: str) -> CameraFlag | None:
    return session.scalar(
        select(CameraFlag).where(
            CameraFlag.org == org, CameraFlag.camera == camera, CameraFlag.fixed_at.is_(None)
        )
    )


def fix_camera(session: Session, org: str, camera: str, *, by: str, at: datetime) -> CameraFlag:
    """The firm had a flagged camera serviced: the flag closes, its events count again."""
    flag = open_flag(session, org, camera)
    if flag is None:
        raise NotFoundError(f"camera {camera} of {org} is not flagged for maintenance")
    if at < flag.flagged_at:
        raise ConflictError(f"camera {camera} of {org}: fixed before it was flagged")
    flag.fixed_at, flag.fixed_by = at, by
    session.flush()
    return flag


# -- statistics ---------------------------------------------------------------------------------


@dataclass(slots=True)
class CameraStats:
    org: str
    camera: str
    events: int = 0
    confirmed: int = 0
    dismissed: int = 0
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind: reviewed, dismissed

    @property
    def reviewed(self) -> int:
        return self.confirmed + self.dismissed

    @property
    def dismissed_permille(self) -> int | None:
        return self.dismissed * 1000 // self.reviewed if self.reviewed else None

    def as_json(self) -> dict[str, Any]:
        return {
            "restaurant": self.org,
            "camera": self.camera,
            "events": self.events,
            "reviewed": self.reviewed,
            "confirmed": self.confirmed,
            "dismissed": self.dismissed,
            "dismissed_permille": self.dismissed_permille,
            "by_kind": {
                k: {
                    "reviewed": r,
                    "dismissed": d,
                    "dismissed_permille": d * 1000 // r if r else None,
                }
                for k, (r, d) in sorted(self.by_kind.items())
            },
        }


def camera_stats(
    session: Session, since: datetime, until: datetime, org: str | None = None
) -> list[CameraStats]:
    """False alarms per camera and per event kind over ``[since, until]``: events, reviews,
    dismissed; each camera counted only after its last fix (a serviced camera starts afresh)."""
    fixed: dict[tuple[str, str], datetime] = {}
    flags = select(CameraFlag.org, CameraFlag.camera, func.max(CameraFlag.fixed_at)).group_by(
        CameraFlag.org, CameraFlag.camera
    )
    for o, c, at in session.execute(flags):
        if at is not None:
            fixed[(o, c)] = at
    q = select(
        KitchenEvent.org,
        KitchenEvent.camera,
        KitchenEvent.kind,
        KitchenEvent.verdict,
        KitchenEvent.at,
    ).where(KitchenEvent.at >= since, KitchenEvent.at <= until)
    if org is not None:
        q = q.where(KitchenEvent.org == org)
    stats: dict[tuple[str, str], CameraStats] = {}
    for o, c, kind, verdict, at in session.execute(q):
        after = fixed.get((o, c))
        if after is not None and at < after:
            continue
        s = stats.get((o, c))
        if s is None:
            s = stats[(o, c)] = CameraStats(o, c)
        s.events += 1
        if verdict is None:
            continue
        r, d = s.by_kind.get(kind, (0, 0))
        if verdict == "dismissed":
            s.dismissed += 1
            s.by_kind[kind] = (r + 1, d + 1)
        else:
            s.confirmed += 1
            s.by_kind[kind] = (r + 1, d)
    return sorted(stats.values(), key=lambda s: (s.org, s.camera))


def kind_stats(
    session: Session, since: datetime, until: datetime, org: str | None = None
) -> dict[str, dict[str, int]]:
    """Per event kind over ``[since, until]``: events, confirmed, dismissed, awaiting review,
    and the dismissed share in per mille of those reviewed (the kind's false-alarm rate)."""
    out: dict[str, dict[str, int]] = {}
    q = (
        select(KitchenEvent.kind, KitchenEvent.verdict, func.count())
        .where(KitchenEvent.at >= since, KitchenEvent.at <= until)
        .group_by(KitchenEvent.kind, KitchenEvent.verdict)
    )
    if org is not None:
        q = q.where(KitchenEvent.org == org)
    for kind, verdict, n in session.execute(q):
        row = out.setdefault(kind, {"events": 0, "confirmed": 0, "dismissed": 0, "pending": 0})
        row["events"] += n
        row[verdict or "pending"] += n
    for row in out.values():
        reviewed = row["confirmed"] + row["dismissed"]
        row["dismissed_permille"] = row["dismissed"] * 1000 // reviewed if reviewed else -1
    return out


def per_firm(
    session: Session, since: datetime, *, org: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """Per restaurant: events since ``since``, confirmed, awaiting review, cameras flagged now
    and open signals; those with open signals and the most confirmed events first (the number
    of restaurants, and one page)."""
    firms: dict[str, dict[str, Any]] = {}

    def row(o: str) -> dict[str, Any]:
        return firms.setdefault(
            o,
            {
                "restaurant": o,
                "events": 0,
                "confirmed": 0,
                "pending": 0,
                "flagged": 0,
                "open_signals": 0,
            },
        )

    q = (
        select(KitchenEvent.org, KitchenEvent.verdict, func.count())
        .where(KitchenEvent.at >= since)
        .group_by(KitchenEvent.org, KitchenEvent.verdict)
    )
    if org is not None:
        q = q.where(KitchenEvent.org == org)
    for o, verdict, n in session.execute(q):
        r = row(o)
        r["events"] += n
        if verdict in ("confirmed", None):
            r["confirmed" if verdict else "pending"] += n
    for f in list_flags(session, org=org, open_only=True):
        row(f.org)["flagged"] += 1
    signals = select(SignalRow.org, func.count()).where(
        SignalRow.key.like(f"monitor:{MONITOR}:%"), SignalRow.closed_at.is_(None)
    )
    if org is not None:
        signals = signals.where(SignalRow.org == org)
    for o, n in session.execute(signals.group_by(SignalRow.org)):
        row(o)["open_signals"] += n
    ranked = sorted(
        firms.values(),
        key=lambda r: (-r["open_signals"], -r["flagged"], -r["confirmed"], r["restaurant"]),
    )
    return len(ranked), ranked[offset : offset + limit]


# -- the run ------------------------------------------------------------------------------------


@dataclass(slots=True)
class RunResult:
    pack: str
    published: bool
    flagged: list[tuple[str, str]] = field(default_factory=list)  # (restaurant, camera)
    escalated: list[str] = field(default_factory=list)  # signal ids
    counted: int = 0  # confirmed events that counted
    discounted: int = 0  # confirmed events of flagged cameras, not counted

    def as_json(self) -> dict[str, Any]:
        return {
            "pack": self.pack,
            "published": self.published,
            "flagged": [{"restaurant": o, "camera": c} for o, c in self.flagged],
            "escalated": self.escalated,
            "counted": self.counted,
            "discounted": self.discounted,
        }


def flag_cameras(session: Session, pack: Pack, now: datetime) -> list[CameraFlag]:
    policy = pack.cameras
    since = now - timedelta(days=policy.window_days)
    flagged: list[CameraFlag] = []
    open_now = {
        (f.org, f.camera)
        for f in session.scalars(select(CameraFlag).where(CameraFlag.fixed_at.is_(None)))
    }
    # reviewed and dismissed per camera over the window, counted by the database; a camera
    # fixed within the window is counted again from its fix (``camera_stats``)
    reviewed = func.count(KitchenEvent.verdict)
    dismissed = func.sum(case((KitchenEvent.verdict == "dismissed", 1), else_=0))
    counts = session.execute(
        select(KitchenEvent.org, KitchenEvent.camera, reviewed, dismissed)
        .where(KitchenEvent.at >= since, KitchenEvent.at <= now)
        .group_by(KitchenEvent.org, KitchenEvent.camera)
        .having(reviewed >= policy.min_reviewed)
    ).all()
    recently_fixed = {
        (o, c)
        for o, c in session.execute(
            select(CameraFlag.org, CameraFlag.camera).where(CameraFlag.fixed_at >= since)
        )
    }
    candidates: list[tuple[str, str, int, int]] = []
    for org, camera, n, d in counts:
        if (org, camera) in recently_fixed:
            again = camera_stats(session, since, now, org)
            s = next((x for x in again if x.camera == camera), None)
            if s is None:
                continue
            n, d = s.reviewed, s.dismissed
        candidates.append((org, camera, int(n), int(d or 0)))
    for org, camera, n, d in sorted(candidates):
        if (org, camera) in open_now or n < policy.min_reviewed:
            continue
        if d * 1000 <= policy.max_dismissed_permille * n:
            continue
        s = CameraStats(org, camera, events=n, confirmed=n - d, dismissed=d)
        last_fix = session.scalar(
            select(func.max(CameraFlag.fixed_at)).where(
                CameraFlag.org == s.org, CameraFlag.camera == s.camera
            )
        )
        first = session.scalar(
            select(func.min(KitchenEvent.at)).where(
                KitchenEvent.org == s.org, KitchenEvent.camera == s.camera
            )
        )
        flag = CameraFlag(
            id=new_id(),
            org=s.org,
            camera=s.camera,
            flagged_at=now,
            discounted_from=last_fix or first or since,
            reviewed=s.reviewed,
            dismissed=s.dismissed,
            pack=pack.ref,
        )
        session.add(flag)
        flagged.append(flag)
    session.flush()
    return flagged


def _discounted(
    flags: Iterable[CameraFlag],
) -> dict[tuple[str, str], list[tuple[datetime, datetime | None]]]:
    spans: dict[tuple[str, str], list[tuple[datetime, datetime | None]]] = {}
    for f in flags:
        spans.setdefault((f.org, f.camera), []).append((f.discounted_from, f.fixed_at))
    return spans


def _counts(spans: list[tuple[datetime, datetime | None]] | None, at: datetime) -> bool:
    return not spans or not any(a <= at and (b is None or at < b) for a, b in spans)


def _evidence(rule: Rule, pack: Pack, org: str, events: Sequence[Any]) -> dict[str, Any]:
    return {
        "monitor": MONITOR,
        "restaurant": org,
        "rule": rule.rule_id,
        "pack": pack.ref,
        "count": rule.count,
        "window_days": rule.window_days,
        "events": [
            {
                "id": e.id,
                "camera": e.camera,
                "at": e.at.isoformat(),
                "kind": e.kind,
                "snapshot": e.snapshot,
                "snapshot_sha256": e.snapshot_sha256,
                "confidence_permille": e.confidence,
                "verdict": e.verdict,
                "reviewed_at": e.reviewed_at.isoformat() if e.reviewed_at else None,
            }
            for e in events
        ],
    }


def signal_key(org: str, rule: Rule, trigger: str) -> str:
    return f"{org}:{rule.id}:{hashlib.sha256(trigger.encode()).hexdigest()[:16]}"


def run(session: Session, pack: Pack, *, now: datetime) -> RunResult:
    """Flag cameras, then escalate, in the caller's transaction (see the module's text)."""
    published = escalate.publish_pack(
        session, monitor=MONITOR, ref=pack.ref, digest=pack.digest, now=now
    )
    result = RunResult(pack.ref, published)
    result.flagged = [(f.org, f.camera) for f in flag_cameras(session, pack, now)]
    spans = _discounted(session.scalars(select(CameraFlag)))
    last: dict[tuple[str, str], datetime] = {
        (o, r): at
        for o, r, at in session.execute(
            select(MonitorEvidence.org, MonitorEvidence.rule, func.max(MonitorEvidence.observed_at))
            .where(MonitorEvidence.monitor == MONITOR)
            .group_by(MonitorEvidence.org, MonitorEvidence.rule)
        )
    }
    kinds = set().union(*(r.kinds for r in pack.rules))
    # plain rows, not ORM objects: a run reads every confirmed event
    q = (
        select(
            KitchenEvent.id,
            KitchenEvent.org,
            KitchenEvent.camera,
            KitchenEvent.at,
            KitchenEvent.kind,
            KitchenEvent.snapshot,
            KitchenEvent.snapshot_sha256,
            KitchenEvent.confidence,
            KitchenEvent.verdict,
            KitchenEvent.reviewed_at,
        )
        .where(
            KitchenEvent.verdict == "confirmed",
            KitchenEvent.at <= now,
            KitchenEvent.kind.in_(sorted(kinds)),
        )
        .order_by(KitchenEvent.org, KitchenEvent.at, KitchenEvent.id)
    )
    by_org: dict[str, list[Any]] = {}
    for e in session.execute(q):
        if _counts(spans.get((e.org, e.camera)), e.at):
            by_org.setdefault(e.org, []).append(e)
            result.counted += 1
        else:
            result.discounted += 1
    for org, events in by_org.items():
        for rule in pack.rules:
            window = timedelta(days=rule.window_days)
            before = last.get((org, rule.rule_id))
            resume = None if before is None else before + window  # one signal per window
            held: deque[Any] = deque()
            for e in events:
                if e.kind not in rule.kinds or (resume is not None and e.at < resume):
                    continue
                held.append(e)
                while held and held[0].at <= e.at - window:
                    held.popleft()
                if len(held) < rule.count:
                    continue
                made = escalate.escalate(
                    session,
                    escalate.Escalation(
                        monitor=MONITOR,
                        key=signal_key(org, rule, e.id),
                        org=org,
                        scenario=pack.scenario,
                        rule=rule.rule_id,
                        severity=rule.severity,
                        ruleset=pack.ref,
                        opened_at=e.at,
                        evidence=_evidence(rule, pack, org, list(held)),
                        title=rule.title,
                        legal_basis=rule.legal_basis,
                        guidance=None,
                    ),
                    now=now,
                )
                if made.created:
                    result.escalated.append(made.signal.id)
                held.clear()
                resume = e.at + window
    return result


# -- what the pages and the API show ------------------------------------------------------------


def event_json(e: KitchenEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "restaurant": e.org,
        "camera": e.camera,
        "at": e.at.isoformat(),
        "kind": e.kind,
        "snapshot": {"ref": e.snapshot, "sha256": e.snapshot_sha256},
        "confidence": e.confidence,
        "verdict": e.verdict,
        "reviewed_by": e.reviewed_by,
        "reviewed_at": e.reviewed_at.isoformat() if e.reviewed_at else None,
    }


def flag_json(f: CameraFlag) -> dict[str, Any]:
    return {
        "id": f.id,
        "restaurant": f.org,
        "camera": f.camera,
        "flagged_at": f.flagged_at.isoformat(),
        "discounted_from": f.discounted_from.isoformat(),
        "reviewed": f.reviewed,
        "dismissed": f.dismissed,
        "dismissed_permille": f.dismissed * 1000 // f.reviewed if f.reviewed else None,
        "pack": f.pack,
        "fixed_at": f.fixed_at.isoformat() if f.fixed_at else None,
    }


def list_events(
    session: Session,
    *,
    org: str | None = None,
    verdict: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[KitchenEvent]]:
    """Events newest first; ``verdict`` ``pending`` for those awaiting review."""
    q = select(KitchenEvent)
    if org is not None:
        q = q.where(KitchenEvent.org == org)
    if verdict == "pending":
        q = q.where(KitchenEvent.verdict.is_(None))
    elif verdict is not None:
        q = q.where(KitchenEvent.verdict == verdict)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(
        q.order_by(KitchenEvent.at.desc(), KitchenEvent.id).limit(limit).offset(offset)
    )
    return total, list(rows)


def list_flags(
    session: Session, *, org: str | None = None, open_only: bool = False
) -> list[CameraFlag]:
    q = select(CameraFlag)
    if org is not None:
        q = q.where(CameraFlag.org == org)
    if open_only:
        q = q.where(CameraFlag.fixed_at.is_(None))
    return list(session.scalars(q.order_by(CameraFlag.flagged_at.desc(), CameraFlag.id)))


def list_signals(
    session: Session, *, org: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[int, list[SignalRow]]:
    """The monitor's signals in supervision's queue, newest first: the total and one page."""
    return offsite.list_signals(
        session, org=org, key_prefix=f"monitor:{MONITOR}:", limit=limit, offset=offset
    )


def alerts(session: Session, *, org: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """What the monitor raised, newest first: camera-maintenance alerts (to the firm) and the
    signals escalated to the regulator."""
    out: list[dict[str, Any]] = []
    for f in list_flags(session, org=org)[:limit]:
        out.append({"type": "camera_maintenance", "at": f.flagged_at.isoformat(), **flag_json(f)})
    for s in list_signals(session, org=org, limit=limit)[1]:
        out.append(
            {
                "type": "signal",
                "at": s.opened_at.isoformat(),
                "id": s.id,
                "restaurant": s.org,
                "rule": s.rule,
                "severity": s.severity,
                "title": (s.detail or {}).get("title"),
                "closed_at": s.closed_at.isoformat() if s.closed_at else None,
            }
        )
    out.sort(key=lambda a: (a["at"], a["id"]), reverse=True)
    return out[:limit]


def summary(session: Session, org: str | None = None) -> dict[str, int]:
    """The one-line live state: awaiting review, cameras flagged, open signals."""
    pending = select(func.count()).select_from(KitchenEvent).where(KitchenEvent.verdict.is_(None))
    flagged = select(func.count()).select_from(CameraFlag).where(CameraFlag.fixed_at.is_(None))
    signals = (
        select(func.count())
        .select_from(SignalRow)
        .where(SignalRow.key.like(f"monitor:{MONITOR}:%"), SignalRow.closed_at.is_(None))
    )
    if org is not None:
        pending = pending.where(KitchenEvent.org == org)
        flagged = flagged.where(CameraFlag.org == org)
        signals = signals.where(SignalRow.org == org)
    return {
        "pending": session.scalar(pending) or 0,
        "flagged": session.scalar(flagged) or 0,
        "open_signals": session.scalar(signals) or 0,
    }


def confirmed_by_kind(session: Session, since: datetime) -> Counter[str]:
    q = (
        select(KitchenEvent.kind, func.count())
        .where(KitchenEvent.verdict == "confirmed", KitchenEvent.at >= since)
        .group_by(KitchenEvent.kind)
    )
    return Counter(dict(session.execute(q)))


def data_as_of(session: Session) -> datetime | None:
    """The newest camera event stored: what ``monitor kitchens run`` runs as of when no time is
    given, so that a feed simulated for past months is judged over its own last 30 days (the
    cameras' false-alarm window), not over the empty month before today."""
    return session.scalar(select(func.max(KitchenEvent.at)))
