"""The smart-elevator monitor over HTTP (mounted at ``/api/v1/monitors/elevators``).

- ``POST /records`` (``monitor.ingest``, a firm's administrators): the firm's own platform
  records, at most 5,000 a request, stored whole or not at all. A firm sends records of the
  elevators it uses or maintains (an ``elevator`` record names it as user unit or maintenance
  firm; a maintenance record names it as the firm: 403 otherwise); a record for an elevator
  of another firm answers like an unknown one (404 naming the record), an elevator registered
  to other firms cannot be claimed (409); a malformed record is 422 naming it;
- ``GET /alerts[?rule=&open=&limit=&offset=]`` (``monitor.read``): the alerts, newest first; a
  firm sees those addressed to it only, the regulator all (``?org=``);
- ``GET /alerts/{alert_id}``: one alert with its evidence (404 for another firm's);
- ``GET /summary`` (``monitor.read``): elevators by state, open alerts by rule, overdue
  maintenance by firm (a firm: its own elevators and alerts);
- ``POST /run`` (``monitor.run``: the regulator): run the detectors now over every firm.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairscreen.accounts.auth import Require
from fairscreen.accounts.policy import Actor, reach
from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import ConflictError, ForbiddenError, NotFoundError
from fairscreen.kit.http import MAX_OFFSET, SessionDep
from fairscreen.monitors.elevators import service
from fairscreen.monitors.elevators.ingest import ingest
from fairscreen.monitors.elevators.models import ElevatorAlert, ElevatorUnit
from fairscreen.monitors.elevators.records import (
    AnyRecord,
    Elevator,
    Maintenance,
    Record,
    check,
)
from fairscreen.monitors.elevators.rules import load_pack

router = APIRouter(tags=["monitors"])

_AUTH: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}


class RecordsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[AnyRecord] = Field(min_length=1, max_length=5_000)


def _org(actor: Actor, action: str) -> str | None:
    scope = reach(actor, action)
    return None if scope.reach == "all" else (scope.organisation_id or "-")


@router.post("/records", status_code=201, responses={**_AUTH, 404: {}, 409: {}, 422: {}})
def post_records(
    body: RecordsIn,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("monitor.ingest"))],
) -> dict[str, Any]:
    """Store the firm's own records (the format: docs/monitors.md, "Smart elevators")."""
    org = _org(actor, "monitor.ingest")
    parsed: list[tuple[str, Record]] = [(f"records[{i}]", r) for i, r in enumerate(body.records)]
    for where, record in parsed:
        check(record, where)
    with session.begin():
        if org is not None:
            _own(session, org, parsed)
        counts = ingest(session, parsed)
    return counts.as_json()


def _own(session: Session, org: str, parsed: list[tuple[str, Record]]) -> None:
    theirs = set(
        session.scalars(
            select(ElevatorUnit.id).where(
                ElevatorUnit.id.in_({r.id for _, r in parsed if isinstance(r, Elevator)}),
                ElevatorUnit.user_unit != org,
                ElevatorUnit.maintainer != org,
            )
        )
    )
    mine = set(
        session.scalars(
            select(ElevatorUnit.id).where(
                (ElevatorUnit.user_unit == org) | (ElevatorUnit.maintainer == org)
            )
        )
    )
    for where, record in parsed:
        if isinstance(record, Elevator):
            if org not in (record.user_unit, record.maintainer):
                raise ForbiddenError(
                    f"{where}: user_unit: neither the user unit nor the maintainer is your firm"
                )
            if record.id in theirs:
                raise ConflictError(f"{where}: id: an elevator registered to other firms")
            mine.add(record.id)
        elif record.elevator not in mine:
            raise NotFoundError(f"{where}: elevator: no elevator {record.elevator!r} of yours")
        elif isinstance(record, Maintenance) and record.firm != org:
            raise ForbiddenError(f"{where}: firm: a firm logs its own maintenance visits")


@router.get("/alerts", responses={**_AUTH, 422: {}})
def list_alerts(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("monitor.read"))],
    org: Annotated[str | None, Query(max_length=64)] = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    open: Annotated[bool, Query(description="only alerts still open")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    own = _org(actor, "monitor.read")
    if own is not None:
        org = own
    total, rows = service.list_alerts(
        session, org=org, rule=rule, open_only=open, limit=limit, offset=offset
    )
    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "alerts": [service.alert_json(r) for r in rows],
    }


@router.get("/alerts/{alert_id}", responses={**_AUTH, 404: {}})
def get_alert(
    alert_id: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("monitor.read"))],
) -> dict[str, Any]:
    own = _org(actor, "monitor.read")
    row = session.get(ElevatorAlert, alert_id)
    if row is None or (own is not None and row.org != own):
        raise NotFoundError(f"no alert {alert_id}")
    return service.alert_json(row)


@router.get("/summary", responses=_AUTH)
def get_summary(
    session: SessionDep, actor: Annotated[Actor, Depends(Require("monitor.read"))]
) -> dict[str, Any]:
    return service.summary(session, org=_org(actor, "monitor.read"))


@router.post("/run", responses=_AUTH)
def run_now(
    session: SessionDep, actor: Annotated[Actor, Depends(Require("monitor.run"))]
) -> dict[str, Any]:
    """Run the detectors now over every firm's elevators (the regulator's)."""
    with session.begin():
        return service.run(session, load_pack(), utcnow()).as_json()
