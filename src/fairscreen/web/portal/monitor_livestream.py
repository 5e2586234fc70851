"""The livestream monitor's page (issue 16 item 1): ``/regulator/monitors/livestream``.

For the labour inspector, the monitor's live state: rooms read, alerts by rule, alerts not yet
acknowledged, the signals repeated or ignored alerts became, the latest alerts, and the firms
with the most alerts (each a link to that firm's view, ``?firm=``). A firm's administrator
(``monitor.read`` on its own organisation) sees the same page for its own rooms only. The page
calls the same service functions as ``/api/v1/monitors/livestream``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairscreen.accounts.policy import Actor, reach
from fairscreen.monitors.livestream import service
from fairscreen.monitors.livestream.pack import shipped_pack
from fairscreen.organisations.models import Organisation
from fairscreen.web.portal import monitors
from fairscreen.web.portal.base import Page, render, sessions_of
from fairscreen.web.portal.i18n import N_

router = APIRouter(include_in_schema=False)
Reader = Annotated[Actor, Depends(Page("monitor.read", kind="staff"))]
LATEST = 30


@router.get("/regulator/monitors/livestream")
def livestream_page(request: Request, actor: Reader, firm: str = "") -> Response:
    scope = reach(actor, "monitor.read")
    own = None if scope.reach == "all" else (scope.organisation_id or "-")
    chosen = own or (firm.strip()[:64] or None)
    with sessions_of(request)() as session:
        state = service.overview(session, firm=chosen)
        _, latest = service.list_alerts(session, firm=chosen, limit=LATEST)
        names = {o.id: o.name for o in session.scalars(select(Organisation))}
    pack = shipped_pack()
    titles = {f"livestream.{r.id}": (r.title, r.legal_basis) for r in pack.rules}
    return render(
        request,
        "regulator/monitor_livestream.html",
        state=state,
        latest=[service.alert_json(a) for a in latest],
        names=names,
        titles=titles,
        pack=pack.ref,
        firm=chosen,
        firm_view=own is not None,
    )


def _state(session: Session, org: str | None) -> Sequence[tuple[str, int]]:
    state = service.overview(session, firm=org)
    return (
        (N_("rooms read"), state["rooms"]),
        (N_("alerts not acknowledged"), state["open"]),
        (N_("signals raised"), state["escalations"]),
    )


monitors.register(
    monitors.Monitor(
        "livestream", N_("Livestream commerce"), "/regulator/monitors/livestream", _state
    )
)
