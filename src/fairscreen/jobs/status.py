"""Where a check stands, as the API and the portals show it: waiting for the candidate, in
progress item by item (which source is late and why, and when it is asked again), complete.

Nothing here is personal: items, sources, times and the reasons a provider gave for being late.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairscreen.kit.errors import NotFoundError
from fairscreen.policy.vocabulary import Item
from fairscreen.rating.models import Report
from fairscreen.screening.models import CheckQuery, CheckRequest

# What a late query's ``problem`` means, in the words a candidate is shown.
WHY_LATE = {
    "waiting": "the source has not answered yet",
    "throttled": "the source is busy and asked us to wait",
    "outage": "the source is down",
    "failed": "the source answered with an error",
    "unreachable": "the source could not be reached",
}

# A check request's status, as its state: a request created before the candidate signs (by the
# consent workflow) waits for them; checks run as jobs are in progress until reported.
STATES = {
    "awaiting_consent": "waiting_for_candidate",
    "in_progress": "in_progress",
    "reported": "complete",
    "stopped": "stopped",
}


@dataclass(frozen=True, slots=True)
class SourceStatus:
    source: str
    status: str  # pending | answered | unavailable
    attempts: int
    late: bool
    why: str | None
    next_try_at: datetime | None
    deadline: datetime
    # why it is late, as a code (a key of WHY_LATE, or "deadline": past it with no reason given)
    late_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ItemStatus:
    item: str
    status: str  # waiting | done | not_checked (source_unavailable)
    late: bool
    sources: list[SourceStatus]


@dataclass(frozen=True, slots=True)
class CheckStatus:
    id: str
    employer_id: str
    agency_id: str | None
    state: str  # waiting_for_candidate | in_progress | complete | stopped
    opened_at: datetime
    reported_at: datetime | None
    items: list[ItemStatus]

    @property
    def late(self) -> list[str]:
        """The items with a late source."""
        return [i.item for i in self.items if i.late]

    def as_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["late"] = self.late
        return body


def check_status(session: Session, request_id: str, *, now: datetime) -> CheckStatus:
    request = session.get(CheckRequest, request_id)
    if request is None:
        raise NotFoundError(f"check {request_id}: no such check")
    queries = session.scalars(select(CheckQuery).where(CheckQuery.request_id == request_id)).all()
    reported_at = session.scalar(
        select(Report.issued_at)
        .where(Report.request_id == request_id)
        .order_by(Report.version)
        .limit(1)
    )
    by_item: dict[str, list[SourceStatus]] = {}
    for q in queries:
        # Late: asked and not answered, for a reason the provider gave, or past its deadline.
        late = q.status == "pending" and (q.problem is not None or now >= q.deadline)
        by_item.setdefault(q.item, []).append(
            SourceStatus(
                q.source,
                q.status,
                q.attempts,
                late,
                WHY_LATE.get(q.problem or "") if late else None,
                q.next_try_at if q.status == "pending" else None,
                q.deadline,
                (q.problem if q.problem in WHY_LATE else "deadline") if late else None,
            )
        )
    order = {str(item): n for n, item in enumerate(Item)}
    items = []
    for item in sorted(by_item, key=lambda i: order.get(i, len(order))):
        sources = sorted(by_item[item], key=lambda s: s.source)
        if any(s.status == "pending" for s in sources):
            status = "waiting"
        elif all(s.status == "answered" for s in sources):
            status = "done"
        else:
            status = "not_checked"
        items.append(ItemStatus(item, status, any(s.late for s in sources), sources))
    return CheckStatus(
        request.id,
        request.employer_id,
        request.agency_id,
        STATES.get(request.status, request.status),
        request.scope_fixed_at,
        reported_at,
        items,
    )
