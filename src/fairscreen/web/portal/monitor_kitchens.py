"""The bright-kitchens page (``/regulator/monitors/kitchens``): events awaiting review (each with
the confirm and dismiss forms), confirmed events by kind, cameras flagged for maintenance with
their false-alarm share, the signals escalated to supervision, and a per-restaurant view. The
regulator sees every restaurant; a firm's administrator its own (and may record a flagged
camera fixed). Every form carries the session's CSRF token; the page calls the same service
functions as ``/api/v1/monitors/kitchens``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairscreen.accounts.policy import Actor, reach
from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import InputError, NotFoundError
from fairscreen.monitors.kitchens import service
from fairscreen.organisations.models import Organisation
from fairscreen.supervision.offsite import service as offsite
from fairscreen.web.portal import monitors
from fairscreen.web.portal.base import Page, form_of, render, see_other, sessions_of
from fairscreen.web.portal.i18n import N_
from fairscreen.web.portal.paging import Pager, offset, pager

router = APIRouter(include_in_schema=False)
URL = "/regulator/monitors/kitchens"
Readers = Annotated[Actor, Depends(Page("monitor.read", kind="staff"))]
Reviewers = Annotated[Actor, Depends(Page("monitor.review", kind="staff"))]
Senders = Annotated[Actor, Depends(Page("monitor.ingest", kind="staff"))]
WINDOW_DAYS = 30
SIZE = 10  # rows a page in each list: the page stays short on a phone
KIND_LABELS = {
    "no_mask": N_("No mask"),
    "no_hat": N_("No hat"),
    "no_work_clothes": N_("No work clothes"),
    "smoking": N_("Smoking"),
    "phone": N_("Phone in the kitchen"),
    "rodent": N_("Rodent"),
    "bin_uncovered": N_("Bin uncovered"),
    "raw_cooked_mixed": N_("Raw and cooked mixed"),
}


def _state(session: Session, org: str | None) -> Sequence[tuple[str, int]]:
    counts = service.summary(session, org=org)
    return (
        (N_("awaiting review"), counts["pending"]),
        (N_("cameras flagged"), counts["flagged"]),
        (N_("open signals"), counts["open_signals"]),
    )


monitors.register(monitors.Monitor("kitchens", N_("Bright kitchens"), URL, _state))


def _own(actor: Actor, action: str) -> str | None:
    scope = reach(actor, action)
    return None if scope.reach == "all" else (scope.organisation_id or "-")


@router.get(URL)
def kitchens_page(
    request: Request,
    actor: Readers,
    pending_page: int = 1,
    signals_page: int = 1,
    firms_page: int = 1,
) -> Response:
    org = _own(actor, "monitor.read")
    now = utcnow()
    since = now - timedelta(days=WINDOW_DAYS)
    with sessions_of(request)() as session:
        summary = service.summary(session, org=org)
        n_pending, pending = service.list_events(
            session, org=org, verdict="pending", limit=SIZE, offset=offset(pending_page, SIZE)
        )
        by_kind = service.kind_stats(session, since, now, org=org)
        flags = service.list_flags(session, org=org, open_only=True)
        n_signals, signals = service.list_signals(
            session, org=org, limit=SIZE, offset=offset(signals_page, SIZE)
        )
        n_firms, firms = service.per_firm(
            session, since, org=org, limit=SIZE, offset=offset(firms_page, SIZE)
        )
        names = dict(session.execute(select(Organisation.id, Organisation.name)).all())

    def paged(page: int, total: int, param: str, anchor: str) -> Pager:
        return pager(request, page, total, size=SIZE, param=param, anchor=anchor)

    return render(
        request,
        "regulator/monitor_kitchens.html",
        summary=summary,
        pending=[service.event_json(e) for e in pending],
        pending_pages=paged(pending_page, n_pending, "pending_page", "pending"),
        signals_pages=paged(signals_page, n_signals, "signals_page", "signals"),
        firms_pages=paged(firms_page, n_firms, "firms_page", "firms"),
        by_kind=by_kind,
        kinds=KIND_LABELS,
        flags=[service.flag_json(f) for f in flags],
        rows=[offsite.signal_json(s) for s in signals],
        firms=firms,
        names=names,
        window=WINDOW_DAYS,
        firm_view=org is not None,
    )


@router.post(URL + "/events/{event_id}/review")
async def review_form(event_id: str, request: Request, actor: Reviewers) -> Response:
    form = await form_of(request)
    verdict = form.get("verdict")
    if verdict not in ("confirmed", "dismissed"):
        raise InputError("verdict", "confirmed or dismissed")
    org = _own(actor, "monitor.review")
    with sessions_of(request).begin() as session:
        service.review(session, event_id, verdict, by=actor.label, at=utcnow(), org=org)
    return see_other(URL)


@router.post(URL + "/cameras/{restaurant}/{camera}/fixed")
async def fixed_form(restaurant: str, camera: str, request: Request, actor: Senders) -> Response:
    org = _own(actor, "monitor.ingest")
    if org is not None and org != restaurant:
        raise NotFoundError(f"no restaurant {restaurant}")
    with sessions_of(request).begin() as session:
        service.fix_camera(session, restaurant, camera, by=actor.label, at=utcnow())
    return see_other(URL)
