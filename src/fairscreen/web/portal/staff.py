"""The employer's and the agency's portal: positions with their category and what it allows,
invitations, the list of checks with status and light (filterable), the report view (never the
excluded content, nor that anything was excluded), the pre-adverse notice, the waiting period
and the decision with the reasons the rules allow (a refusal is shown with the rule it breaks),
the disputes queue with deadlines and the agency's reinvestigation, the organisation's users and
roles, and a printable report (PDF).

Every page calls the same service functions as the API under the same permission checks; a
staff read of a report or a dispute is written to the candidate's access log with its purpose,
and so is a light shown in the list of checks (the light is part of the report)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fairscreen.accounts.models import AccessLog, StaffAccount
from fairscreen.accounts.policy import Actor, Target, authorize, policy, reach
from fairscreen.consent import invitations
from fairscreen.feedback import service as feedback
from fairscreen.feedback.service import RuleBrokenError
from fairscreen.jobs.status import check_status
from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import table_of
from fairscreen.kit.errors import FairscreenError, ForbiddenError, InputError
from fairscreen.kit.ids import new_id
from fairscreen.organisations import service as positions
from fairscreen.organisations.models import Organisation
from fairscreen.screening.online import pack_for
from fairscreen.vault import Vault
from fairscreen.vault.lazy import app_vault
from fairscreen.web.portal import listing
from fairscreen.web.portal.base import (
    LIGHTS,
    Page,
    as_list,
    form_of,
    render,
    see_other,
    sessions_of,
)

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
STATUSES = ("pending", "reported", "stopped")


Staff_check_read = Annotated[Actor, Depends(Page("check.read", kind="staff"))]
Staff_decision_record = Annotated[Actor, Depends(Page("decision.record", kind="staff"))]
Staff_dispute_read = Annotated[Actor, Depends(Page("dispute.read", kind="staff"))]
Staff_dispute_resolve = Annotated[Actor, Depends(Page("dispute.resolve", kind="staff"))]
Staff_invitation_create = Annotated[Actor, Depends(Page("invitation.create", kind="staff"))]
Staff_invitation_read = Annotated[Actor, Depends(Page("invitation.read", kind="staff"))]
Staff_notice_send = Annotated[Actor, Depends(Page("notice.send", kind="staff"))]
Staff_org_read = Annotated[Actor, Depends(Page("org.read", kind="staff"))]
Staff_position_manage = Annotated[Actor, Depends(Page("position.manage", kind="staff"))]
Staff_position_read = Annotated[Actor, Depends(Page("position.read", kind="staff"))]
Staff_report_read = Annotated[Actor, Depends(Page("report.read", kind="staff"))]
Staff = Annotated[Actor, Depends(Page(None, kind="staff"))]


@router.get("/staff")
def home(request: Request, actor: Staff) -> Response:
    with sessions_of(request)() as session:
        org = session.get(Organisation, actor.organisation_id)
    return render(request, "staff/home.html", org=org)


# -- positions ---------------------------------------------------------------------------------


def _positions_page(
    request: Request, actor: Actor, *, http_status: int = 200, **extra: Any
) -> Response:
    scope = reach(actor, "position.read")
    organisation = None if scope.reach == "all" else (scope.organisation_id or "-")
    with sessions_of(request)() as session:
        rows = positions.list_positions(session, organisation)
        org = session.get(Organisation, actor.organisation_id)
        agencies = session.scalars(
            select(Organisation).where(Organisation.kind == "agency").order_by(Organisation.name)
        ).all()
        pack = pack_for(org.jurisdiction if org else "CN")
    allowed = {name: sorted(str(i) for i in c.items) for name, c in pack.categories.items()}
    return render(
        request,
        "staff/positions.html",
        http_status=http_status,
        positions=rows,
        allowed=allowed,
        agencies=agencies,
        **{"error": None, "made": None, **extra},
    )


@router.get("/staff/positions")
def positions_page(request: Request, actor: Staff_position_read) -> Response:
    return _positions_page(request, actor)


@router.post("/staff/positions")
async def declare_position(request: Request, actor: Staff_position_manage) -> Response:
    form = await form_of(request)
    try:
        with sessions_of(request).begin() as session:
            org = session.get(Organisation, actor.organisation_id)
            if org is None or org.kind != "employer":
                raise ForbiddenError("positions are declared by an employer's staff")
            made = positions.declare_position(
                session,
                employer_id=org.id,
                title=str(form.get("title", "")).strip(),
                category=str(form.get("category", "")),
                reference=str(form.get("reference", "")).strip() or None,
                agency_id=str(form.get("agency_id", "")) or None,
                pack=pack_for(org.jurisdiction),
                now=utcnow(),
            )
    except FairscreenError as exc:
        return _positions_page(request, actor, http_status=exc.http_status, error=exc)
    return _positions_page(request, actor, made=made)


# -- invitations -------------------------------------------------------------------------------


def _invitations_page(
    request: Request, actor: Actor, *, http_status: int = 200, **extra: Any
) -> Response:
    vault = app_vault(request)
    scope = reach(actor, "position.read") if "position.read" in _grants(actor) else None
    with sessions_of(request)() as session:
        rows = invitations.list_invitations(
            session, vault, actor, client_reference=None, now=utcnow()
        )
        titles = {p.id: p.title for p in positions.list_positions(session, None)}
        open_positions = (
            positions.list_positions(session, scope.organisation_id or "-")
            if scope is not None
            else []
        )
    return render(
        request,
        "staff/invitations.html",
        http_status=http_status,
        invitations=rows,
        titles=titles,
        positions=open_positions,
        **{"error": None, "link": None, "values": {}, **extra},
    )


def _grants(actor: Actor) -> dict[str, str]:
    role = policy().roles.get(actor.role)
    return dict(role.grants) if role else {}


@router.get("/staff/invitations")
def invitations_page(request: Request, actor: Staff_invitation_read) -> Response:
    return _invitations_page(request, actor)


@router.post("/staff/invitations")
async def invite(request: Request, actor: Staff_invitation_create) -> Response:
    form = await form_of(request)
    vault = app_vault(request)
    try:
        with sessions_of(request).begin() as session:
            made = invitations.create_invitation(
                session,
                vault,
                actor,
                position_id=str(form.get("position_id", "")),
                contact=str(form.get("contact", "")).strip(),
                client_reference=str(form.get("client_reference", "")).strip(),
                known_name=str(form.get("known_name", "")).strip() or None,
                now=utcnow(),
            )
    except FairscreenError as exc:
        return _invitations_page(
            request, actor, http_status=exc.http_status, error=exc, values=form
        )
    link = f"{request.base_url}invite/{made.token}"
    return _invitations_page(request, actor, link=link)


# -- checks ------------------------------------------------------------------------------------


def list_rows(
    session: Session,
    vault: Vault,
    actor: Actor,
    *,
    status: str | None,
    light: str | None,
    page: int,
) -> tuple[list[listing.Row], bool]:
    """One page of the actor's checks, newest first, with status and (for a role that may read
    reports) the light; ``light`` filters on it. Each light shown is written to the candidate's
    access log. Returns the rows and whether there is a next page."""
    shows_light = "report.read" in _grants(actor)
    found = listing.rows(
        session,
        vault,
        reach(actor, "check.read"),
        shows_light=shows_light,
        status=status,
        light=light if shows_light else None,
        offset=page * PAGE_SIZE,
        limit=PAGE_SIZE + 1,
    )
    rows = found[:PAGE_SIZE]
    if shows_light:
        _log_lights(session, actor, [(r.candidate_id, r.id) for r in rows])
    return rows, len(found) > PAGE_SIZE


def _log_lights(session: Session, actor: Actor, shown: list[tuple[str, str]]) -> None:
    """Each light shown, in the candidate's access log (one statement for the page)."""
    if not shown:
        return
    now = utcnow()
    session.execute(
        insert(table_of(AccessLog)),
        [
            {
                "id": new_id(),
                "candidate_id": candidate_id,
                "request_id": request_id,
                "at": now,
                "actor": actor.label,
                "organisation_id": actor.organisation_id,
                "role": actor.role,
                "action": "check.light",
                "purpose": "hiring_decision",
            }
            for candidate_id, request_id in shown
        ],
    )


@router.get("/staff/checks")
def checks_page(
    request: Request,
    actor: Staff_check_read,
    status: str | None = None,
    light: str | None = None,
    page: int = 0,
) -> Response:
    status = status if status in STATUSES else None
    light = light if light in (*LIGHTS, "none") else None
    page = max(0, min(page, 10_000))
    with sessions_of(request).begin() as session:
        rows, more = list_rows(
            session, app_vault(request), actor, status=status, light=light, page=page
        )
    return render(
        request,
        "staff/checks.html",
        rows=rows,
        more=more,
        page=page,
        status=status,
        light=light,
        statuses=STATUSES,
    )


def _report_page(
    request: Request,
    actor: Actor,
    check_id: str,
    purpose: str | None,
    *,
    http_status: int = 200,
    **extra: Any,
) -> Response:
    if purpose not in feedback.PURPOSES:
        with sessions_of(request)() as session:
            check = feedback.load_check(session, app_vault(request), actor, check_id, "check.read")
            summary = feedback.check_summary(session, check.request)
            status = check_status(session, check_id, now=utcnow())
        return render(
            request,
            "staff/purpose.html",
            check=summary,
            purposes=feedback.PURPOSES,
            status=status,
        )
    with sessions_of(request).begin() as session:
        report = feedback.read_report(
            session, app_vault(request), actor, check_id, purpose=purpose, now=utcnow()
        )
        status = check_status(session, check_id, now=utcnow())
    return render(
        request,
        "staff/report.html",
        http_status=http_status,
        report=report,
        purpose=purpose,
        status=status,
        **{"refused": [], "error": None, "done": None, **extra},
    )


@router.get("/staff/checks/{check_id}")
def report_page(
    check_id: str, request: Request, actor: Staff_report_read, purpose: str | None = None
) -> Response:
    return _report_page(request, actor, check_id, purpose)


def _refusal(exc: FairscreenError) -> list[str]:
    if isinstance(exc, RuleBrokenError):
        return list(exc.extensions["rules"])
    return []


@router.post("/staff/checks/{check_id}/notice")
async def send_notice(check_id: str, request: Request, actor: Staff_notice_send) -> Response:
    form = await form_of(request)
    purpose = str(form.get("purpose", "pre_adverse_notice"))
    try:
        with sessions_of(request).begin() as session:
            feedback.send_notice(
                session,
                app_vault(request),
                actor,
                check_id,
                reasons=as_list(form.get("reasons")),
                now=utcnow(),
            )
    except FairscreenError as exc:
        return _report_page(
            request,
            actor,
            check_id,
            purpose,
            http_status=exc.http_status,
            refused=_refusal(exc),
            error=None if isinstance(exc, RuleBrokenError) else exc,
        )
    return _report_page(request, actor, check_id, purpose, done="notice")


@router.post("/staff/checks/{check_id}/decision")
async def record_decision(
    check_id: str, request: Request, actor: Staff_decision_record
) -> Response:
    form = await form_of(request)
    purpose = str(form.get("purpose", "hiring_decision"))
    insist = form.get("insist") == "yes"
    try:
        if insist:
            authorize(actor, "decision.insist")
        outcome = str(form.get("outcome", ""))
        if outcome not in ("hire", "not_hire"):
            raise InputError("outcome", "hire or not_hire")
        with sessions_of(request).begin() as session:
            feedback.record_decision(
                session,
                app_vault(request),
                actor,
                check_id,
                outcome=outcome,
                reasons=as_list(form.get("reasons")),
                insist=insist,
                now=utcnow(),
            )
    except FairscreenError as exc:
        return _report_page(
            request,
            actor,
            check_id,
            purpose,
            http_status=exc.http_status,
            refused=_refusal(exc),
            error=None if isinstance(exc, RuleBrokenError) else exc,
        )
    return _report_page(request, actor, check_id, purpose, done="decision")


@router.get("/staff/checks/{check_id}/report.pdf")
def report_pdf(
    check_id: str, request: Request, actor: Staff_report_read, purpose: str | None = None
) -> Response:
    from fairscreen.web.portal import i18n, pdf
    from fairscreen.web.portal.base import language_of

    if purpose not in feedback.PURPOSES:
        return see_other(f"/staff/checks/{check_id}")
    with sessions_of(request).begin() as session:
        report = feedback.read_report(
            session, app_vault(request), actor, check_id, purpose=purpose, now=utcnow()
        )
    body = pdf.render_report(report, i18n.Text(language_of(request)))
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="report-{check_id}.pdf"',
            "Cache-Control": "no-store",
        },
    )


# -- disputes ----------------------------------------------------------------------------------


@router.get("/staff/disputes")
def disputes_page(
    request: Request, actor: Staff_dispute_read, status: str | None = "open"
) -> Response:
    status = status if status in ("open", "resolved") else None
    with sessions_of(request)() as session:
        rows = feedback.list_disputes(session, app_vault(request), actor, status=status)
    return render(request, "staff/disputes.html", disputes=rows, status=status, now=utcnow())


def _dispute_page(
    request: Request, actor: Actor, dispute_id: str, *, http_status: int = 200, **extra: Any
) -> Response:
    with sessions_of(request).begin() as session:
        view = feedback.read_dispute(session, app_vault(request), actor, dispute_id, now=utcnow())
    return render(
        request,
        "staff/dispute.html",
        http_status=http_status,
        dispute=view,
        **{"error": None, **extra},
    )


@router.get("/staff/disputes/{dispute_id}")
def dispute_page(dispute_id: str, request: Request, actor: Staff_dispute_read) -> Response:
    return _dispute_page(request, actor, dispute_id)


@router.post("/staff/disputes/{dispute_id}/resolve")
async def resolve(dispute_id: str, request: Request, actor: Staff_dispute_resolve) -> Response:
    form = await form_of(request)
    try:
        with sessions_of(request).begin() as session:
            feedback.resolve_dispute(
                session,
                app_vault(request),
                actor,
                dispute_id,
                outcome=str(form.get("outcome", "")),
                correction=None,
                note=str(form.get("note", "")).strip() or None,
                now=utcnow(),
            )
    except FairscreenError as exc:
        return _dispute_page(request, actor, dispute_id, http_status=exc.http_status, error=exc)
    return see_other(f"/staff/disputes/{dispute_id}")


# -- the organisation --------------------------------------------------------------------------


@router.get("/staff/organisation")
def organisation_page(request: Request, actor: Staff_org_read) -> Response:
    assert actor.organisation_id is not None
    authorize(actor, "org.read", Target.of(actor.organisation_id), what="organisation")
    with sessions_of(request)() as session:
        org = session.get(Organisation, actor.organisation_id)
        staff = (
            session.scalars(
                select(StaffAccount)
                .where(StaffAccount.organisation_id == actor.organisation_id)
                .order_by(StaffAccount.created_at, StaffAccount.id)
            ).all()
            if "user.manage" in _grants(actor)
            else []
        )
    roles = policy().staff_roles(org.kind) if org else []
    return render(request, "staff/organisation.html", org=org, staff=staff, roles=roles)
