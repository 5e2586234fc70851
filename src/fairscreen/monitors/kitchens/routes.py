"""Bright kitchens over HTTP (mounted at ``/api/v1/monitors/kitchens``).

A firm's administrators (``monitor.ingest``, ``monitor.read``, ``monitor.review``: their own
organisation's) send their cameras' feed, review their events, record a serviced camera, and
read their own alerts; the regulator's inspectors read and review every firm's, and run the
monitor (``monitor.run``: the regulator). Another firm's event,
camera or alert is answered 404, as if it did not exist.

- ``POST /events``: feed records (``events``: event, review, camera_fixed), checked whole;
- ``GET /events[?restaurant=&verdict=pending|confirmed|dismissed&limit=&offset=]``;
- ``POST /events/{event_id}/review``: confirm or dismiss, as the caller, now;
- ``GET /cameras[?restaurant=&days=&flagged=]``: false alarms per camera and per kind;
- ``POST /cameras/{restaurant}/{camera}/fixed``: a flagged camera was serviced;
- ``GET /alerts[?restaurant=&limit=]``: camera-maintenance alerts and signals, newest first;
- ``GET /state``: awaiting review, cameras flagged, open signals;
- ``POST /run``: flag cameras and escalate, now.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from fairscreen.accounts.auth import Require
from fairscreen.accounts.policy import Actor, reach
from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import NotFoundError
from fairscreen.kit.http import MAX_OFFSET, SessionDep
from fairscreen.monitors.kitchens import service
from fairscreen.monitors.kitchens.events import CameraFixed, Event, Review
from fairscreen.monitors.kitchens.pack import shipped_pack

router = APIRouter(tags=["monitors"])
_AUTH: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}
IdPath = Annotated[str, Field(min_length=1, max_length=64)]


def _own(actor: Actor, action: str) -> str | None:
    """None for the regulator (every firm), else the caller's own organisation."""
    scope = reach(actor, action)
    return None if scope.reach == "all" else (scope.organisation_id or "-")


def _restaurant(actor: Actor, action: str, asked: str | None) -> str | None:
    own = _own(actor, action)
    if own is None:
        return asked
    if asked is not None and asked != own:
        raise NotFoundError(f"no restaurant {asked}")
    return own


class FeedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[Annotated[Event | Review | CameraFixed, Field(discriminator="type")]] = Field(
        min_length=1,
        max_length=1_000,  # at most ~0.9 MB: under the 1 MiB body limit
    )


@router.post("/events", status_code=201, responses={**_AUTH, 404: {}, 409: {}, 422: {}})
def send_feed(
    body: FeedIn,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("monitor.ingest"))],
) -> dict[str, int]:
    """Store a batch of the feed (docs/monitors.md): a wrong record is named and nothing of
    the batch is stored; a firm may send only its own restaurant's records."""
    own = _own(actor, "monitor.ingest")
    with session.begin():
        return service.ingest(session, body.records, now=utcnow(), org=own).as_json()


@router.get("/events", responses={**_AUTH, 404: {}, 422: {}})
def list_events(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("monitor.read"))],
    restaurant: Annotated[str | None, Query(max_length=64)] = None,
    verdict: Annotated[Literal["pending", "confirmed", "dismissed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    org = _restaurant(actor, "monitor.read", restaurant)
    total, rows = service.list_events(session, org=org, verdict=verdict, limit=limit, offset=offset)
    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "events": [service.event_json(e) for e in rows],
    }


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: Literal["confirmed", "dismissed"]


@router.post("/events/{event_id}/review", responses={**_AUTH, 404: {}, 422: {}})
def review_event(
    event_id: str,
    body: ReviewIn,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("monitor.review"))],
) -> dict[str, Any]:
    """Confirm or dismiss an event, recorded with the caller's account and the time."""
    own = _own(actor, "monitor.review")
    with session.begin():
        event = service.review(
            session, event_id, body.verdict, by=actor.label, at=utcnow(), org=own
        )
        return service.event_json(event)


@router.get("/cameras", responses={**_AUTH, 404: {}, 422: {}})
def cameras(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("monitor.read"))],
    restaurant: Annotated[str | None, Query(max_length=64)] = None,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    flagged: Annotated[bool, Query(description="only cameras flagged now")] = False,
) -> dict[str, Any]:
    """False alarms per camera and per event kind over the last ``days`` days."""
    org = _restaurant(actor, "monitor.read", restaurant)
    now = utcnow()
    stats = service.camera_stats(session, now - timedelta(days=days), now, org)
    flags = {(f.org, f.camera): f for f in service.list_flags(session, org=org, open_only=True)}
    shown = []
    for s in stats:
        flag = flags.get((s.org, s.camera))
        if flagged and flag is None:
            continue
        shown.append(s.as_json() | {"flag": service.flag_json(flag) if flag else None})
    return {"days": days, "cameras": shown}


@router.post("/cameras/{restaurant}/{camera}/fixed", responses={**_AUTH, 404: {}, 409: {}, 422: {}})
def camera_fixed(
    restaurant: str,
    camera: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("monitor.ingest"))],
) -> dict[str, Any]:
    """The firm had a flagged camera serviced: its events count again from now."""
    org = _restaurant(actor, "monitor.ingest", restaurant)
    assert org is not None
    with session.begin():
        flag = service.fix_camera(session, org, camera, by=actor.label, at=utcnow())
        return service.flag_json(flag)


@router.get("/alerts", responses={**_AUTH, 404: {}, 422: {}})
def alerts(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("monitor.read"))],
    restaurant: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """Camera-maintenance alerts (to the firm) and signals (to the regulator), newest first."""
    org = _restaurant(actor, "monitor.read", restaurant)
    return {"alerts": service.alerts(session, org=org, limit=limit)}


@router.get("/state", responses=_AUTH)
def state(
    session: SessionDep, actor: Annotated[Actor, Depends(Require("monitor.read"))]
) -> dict[str, Any]:
    """The monitor's live state: events awaiting review, cameras flagged, open signals."""
    return service.summary(session, org=_own(actor, "monitor.read"))


@router.post("/run", responses=_AUTH)
def run(
    request: Request, actor: Annotated[Actor, Depends(Require("monitor.run"))]
) -> dict[str, Any]:
    """Flag cameras that cry wolf and escalate confirmed events under the shipped pack, now."""
    with request.app.state.sessions.begin() as session:
        return service.run(session, shipped_pack(), now=utcnow()).as_json()
