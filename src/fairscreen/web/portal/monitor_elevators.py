"""The smart-elevator monitor's page (issue 16): ``/regulator/monitors/elevators``.

For the regulator: the elevators by their latest reported state, the entrapments still waiting
for a rescue past the limit, overdue maintenance by maintenance firm, open alerts by rule, and
the latest alerts with the supervision signal each became. A firm's administrators (who hold
``monitor.read`` for their own organisation) see the same page for their own elevators and the
alerts addressed to them. The numbers come from the same service functions as
``/api/v1/monitors/elevators``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairscreen.accounts.policy import Actor, reach
from fairscreen.monitors.elevators import service
from fairscreen.organisations.models import Organisation
from fairscreen.web.portal import monitors
from fairscreen.web.portal.base import Page, render, sessions_of
from fairscreen.web.portal.i18n import N_

router = APIRouter(include_in_schema=False)
Reader = Annotated[Actor, Depends(Page("monitor.read", kind="staff"))]
LATEST = 50

STATES = {
    "running": N_("Running"),
    "idle": N_("Idle"),
    "out_of_service": N_("Out of service"),
    "maintenance": N_("In maintenance"),
    "unknown": N_("Not reported yet"),
}
RULES = {
    "elevators.entrapment_unanswered": N_("Entrapment not answered in time"),
    "elevators.maintenance_overdue": N_("Maintenance overdue"),
    "elevators.inspection_overdue": N_("Annual inspection overdue"),
    "elevators.repeated_faults": N_("Repeated faults"),
    "elevators.impossible_maintenance": N_("Maintenance record that cannot be true"),
}


@router.get("/regulator/monitors/elevators")
def elevators_page(request: Request, actor: Reader, rule: str = "", open: str = "") -> Response:
    scope = reach(actor, "monitor.read")
    own = None if scope.reach == "all" else (scope.organisation_id or "-")
    chosen_rule = rule if rule in RULES else ""
    with sessions_of(request)() as session:
        summary = service.summary(session, org=own)
        _, trapped = service.list_alerts(
            session, org=own, rule="elevators.entrapment_unanswered", open_only=True, limit=LATEST
        )
        total, latest = service.list_alerts(
            session, org=own, rule=chosen_rule or None, open_only=open == "1", limit=LATEST
        )
        names = {o.id: o.name for o in session.scalars(select(Organisation))}
        trapped_rows = [service.alert_json(a) for a in trapped]
        rows = [service.alert_json(a) for a in latest]
    return render(
        request,
        "regulator/monitor_elevators.html",
        summary=summary,
        trapped=trapped_rows,
        rows=rows,
        total=total,
        names=names,
        states=STATES,
        rules=RULES,
        chosen={"rule": chosen_rule, "open": open},
        firm_view=own is not None,
    )


def _state(session: Session, org: str | None) -> Sequence[tuple[str, int]]:
    summary = service.summary(session, org=org)
    return (
        (N_("elevators reporting"), summary["elevators"]),
        (N_("open alerts"), sum(summary["open_alerts"].values())),
    )


monitors.register(
    monitors.Monitor("elevators", N_("Smart elevators"), "/regulator/monitors/elevators", _state)
)
