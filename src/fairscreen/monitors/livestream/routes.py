"""The livestream monitor over HTTP (mounted at ``/api/v1/monitors/livestream``).

- ``POST /rooms`` (``monitor.ingest``, a firm's own): a room with its listings and transcript
  segments; the rule pack's matcher reads it, the alerts are stored and queued to the firm's
  webhooks (``livestream.alert``) and repeats escalate (an alert left unacknowledged past the
  pack's deadline escalates in ``serve``'s background sweep, ``sweeper.py``). 201 with the alerts; 409 for a room sent before
  and for well-formed segments out of order (a segment ending before it starts), 422 for a
  malformed body (naming the field).
- ``GET /alerts[?room=&rule=&open=&firm=&limit=&offset=]`` (``monitor.read``): newest first; a
  firm sees its own only (``firm=`` is the regulator's filter).
- ``GET /alerts/{alert_id}``: one alert, the compliance prompt a webhook announces (404 for
  another firm's, as for none at all).
- ``POST /alerts/{alert_id}/ack`` (``monitor.review``): the firm saw it and told the host.
- ``GET /`` (``monitor.read``): the monitor's live state (rooms, alerts by rule, open alerts,
  escalations, per firm).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from fairscreen.accounts.auth import Require
from fairscreen.accounts.policy import Actor, reach
from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import ConflictError
from fairscreen.kit.http import MAX_OFFSET, SessionDep
from fairscreen.monitors.livestream import service
from fairscreen.monitors.livestream.detect import RuleDetector
from fairscreen.monitors.livestream.format import NO_NUL, Listing, Room, Segment
from fairscreen.monitors.livestream.pack import RULES, shipped_pack

router = APIRouter(tags=["monitors"])

_AUTH: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}
Ms = Annotated[int, Field(ge=0, le=7 * 86_400_000)]
AlertId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_ms: Ms
    end_ms: Ms
    text: str = Field(min_length=1, max_length=2000, pattern=NO_NUL)


class RoomIn(BaseModel):
    """A room as ``format`` reads it (``docs/monitors.md``); the firm is the caller's own."""

    model_config = ConfigDict(extra="forbid")

    room: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    host: str = Field(pattern=r"^H-[A-Za-z0-9]{4,40}$", description="a pseudonymous id")
    started_at: AwareDatetime
    ad_label: bool = False
    listings: list[Listing] = Field(default=[], max_length=500)
    segments: list[SegmentIn] = Field(min_length=1, max_length=20_000)


def _own(actor: Actor, action: str) -> str | None:
    """None for the regulator (all firms), the caller's organisation for a firm."""
    scope = reach(actor, action)
    return None if scope.reach == "all" else (scope.organisation_id or "-")


@router.post("/rooms", status_code=201, responses={**_AUTH, 409: {}, 422: {}})
def post_room(
    body: RoomIn,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("monitor.ingest"))],
) -> dict[str, Any]:
    firm = _own(actor, "monitor.ingest") or "-"
    for i, (a, b) in enumerate(zip(body.segments, body.segments[1:], strict=False), start=1):
        if b.start_ms < a.start_ms:
            raise ConflictError(f"segments.{i}.start_ms: a room's segments come in order of start")
    for i, s in enumerate(body.segments):
        if s.end_ms < s.start_ms:
            raise ConflictError(f"segments.{i}.end_ms: ends before it starts")
    room = Room(
        body.room,
        firm,
        body.host,
        body.started_at,
        body.ad_label,
        tuple(body.listings),
        tuple(Segment(i, s.start_ms, s.end_ms, s.text) for i, s in enumerate(body.segments)),
    )
    pack = shipped_pack()
    now = utcnow()
    with session.begin():
        result = service.ingest(session, [room], pack=pack, detector=RuleDetector(pack), now=now)
        _, rows = service.list_alerts(session, room=room.room, limit=10_000)
        alerts = [service.alert_json(r) for r in rows]
    return {**result.as_json(), "alerts": alerts}


@router.get("/alerts", responses={**_AUTH, 422: {}})
def list_alerts(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("monitor.read"))],
    room: Annotated[str | None, Query(max_length=64)] = None,
    rule: Annotated[Literal[RULES] | None, Query()] = None,  # type: ignore[valid-type]
    firm: Annotated[str | None, Query(max_length=64)] = None,
    open: Annotated[bool, Query(description="only alerts not acknowledged")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    own = _own(actor, "monitor.read")
    total, rows = service.list_alerts(
        session,
        firm=own if own is not None else firm,
        room=room,
        rule=rule,
        open_only=open,
        limit=limit,
        offset=offset,
    )
    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "alerts": [service.alert_json(r) for r in rows],
    }


@router.get("/alerts/{alert_id}", responses={**_AUTH, 404: {}, 422: {}})
def get_alert(
    alert_id: AlertId,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("monitor.read"))],
) -> dict[str, Any]:
    """The compliance prompt: the rule, its legal basis, the segment and its time."""
    row = service.get_alert(session, alert_id, firm=_own(actor, "monitor.read"))
    rule = shipped_pack().rule(row.rule)
    return {
        **service.alert_json(row),
        "title": rule.title if rule else None,
        "title_zh": rule.title_zh if rule else None,
        "legal_basis": rule.legal_basis if rule else None,
    }


@router.post("/alerts/{alert_id}/ack", responses={**_AUTH, 404: {}, 422: {}})
def acknowledge(
    alert_id: AlertId,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("monitor.review"))],
) -> dict[str, Any]:
    with session.begin():
        row = service.acknowledge(
            session,
            alert_id,
            by=actor.label,
            now=utcnow(),
            firm=_own(actor, "monitor.review"),
        )
        return service.alert_json(row)


@router.get("", responses=_AUTH)
def overview(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("monitor.read"))],
) -> dict[str, Any]:
    """The monitor's live state (a firm: its own)."""
    return {
        "pack": shipped_pack().ref,
        "as_of": datetime.isoformat(utcnow()),
        **service.overview(session, firm=_own(actor, "monitor.read")),
    }
