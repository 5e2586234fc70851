"""The supervision pages (issue 14 item 5): for the labour inspector, the off-site signals queue
and each signal with its evidence verified; the firms' risk tiers with the explanation of each
score, the override form and the appeals; the inspection plan as a month calendar, by day and
per inspector; the visits with inspection codes and the form that records a visit's findings.
For a firm's administrators, their own tiers and why, their own signals and the appeal form.
For anyone, the public check of an inspection code (``/inspection/{code}``), where the visited
firm's administrators leave their feedback once the visit is concluded.

Every page calls the same service functions as ``/api/v1/supervision`` and asks the permission
policy the same questions: an inspector reaches every firm, a firm its own organisation, and a
firm's signal of another firm is answered as if it did not exist.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from fairscreen.accounts.policy import Actor, Target, authorize, reach
from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import FairscreenError, ForbiddenError, InputError, NotFoundError
from fairscreen.ledger import checkpoints
from fairscreen.organisations.models import Organisation
from fairscreen.supervision import service
from fairscreen.supervision.codes import service as codes
from fairscreen.supervision.codes.guidance import all_guidance
from fairscreen.supervision.models import InspectionPlan, PlanVisit, PlanVisitInspector, TierAppeal
from fairscreen.supervision.offsite import evidence
from fairscreen.supervision.offsite import service as offsite
from fairscreen.supervision.offsite.ruleset import shipped_ruleset
from fairscreen.supervision.signals import SEVERITIES
from fairscreen.supervision.tiers import Tier, shipped_rules
from fairscreen.web.portal.base import (
    Page,
    caller_of,
    form_of,
    grants,
    language_of,
    render,
    see_other,
    sessions_of,
)
from fairscreen.web.portal.paging import PAGE, offset, pager

router = APIRouter(include_in_schema=False)
Signals = Annotated[Actor, Depends(Page("signal.read", kind="staff"))]
Tiers = Annotated[Actor, Depends(Page("tier.read", kind="staff"))]
Overrides = Annotated[Actor, Depends(Page("tier.override", kind="staff"))]
Answers = Annotated[Actor, Depends(Page("appeal.answer", kind="staff"))]
Appeals = Annotated[Actor, Depends(Page("appeal.create", kind="staff"))]
Plans = Annotated[Actor, Depends(Page("plan.read", kind="staff"))]


def _own(actor: Actor, action: str) -> str | None:
    """None for the regulator (every firm), else the caller's own organisation."""
    scope = reach(actor, action)
    return None if scope.reach == "all" else (scope.organisation_id or "-")


def _names(session: Any) -> dict[str, str]:
    return {o.id: o.name for o in session.scalars(select(Organisation))}


# -- signals ------------------------------------------------------------------------------------


@router.get("/regulator/signals")
def signals_queue(
    request: Request,
    actor: Signals,
    org: str = "",
    rule: str = "",
    severity: str = "",
    open: str = "",
    page: int = 1,
) -> Response:
    own = _own(actor, "signal.read")
    with sessions_of(request)() as session:
        total, rows = offsite.list_signals(
            session,
            org=own or (org.strip() or None),
            rule=rule.strip() or None,
            severity=severity or None,
            open_only=open == "1",
            limit=PAGE,
            offset=offset(page),
        )
        names = _names(session)
    rules = shipped_ruleset()
    return render(
        request,
        "regulator/signals.html",
        rows=[offsite.signal_json(r) for r in rows],
        total=total,
        paging=pager(request, page, total),
        names=names,
        rule_codes=[r.id for r in rules.rules],
        severities=[str(s) for s in SEVERITIES],
        chosen={"org": org, "rule": rule, "severity": severity, "open": open},
        firm_view=own is not None,
    )


@router.get("/regulator/signals/{signal_id}")
def signal_page(signal_id: str, request: Request, actor: Signals) -> Response:
    own = _own(actor, "signal.read")
    verdict: dict[str, Any]
    with sessions_of(request)() as session:
        row = offsite.get_signal(session, signal_id, org=own)
        shown = offsite.signal_json(row)
        name = _names(session).get(row.org, row.org)
        try:
            bundle = evidence.bundle(session, row)
        except FairscreenError as exc:
            bundle = None
            verdict = {"ok": False, "why": str(exc)}
    if bundle is not None:
        try:
            verified = evidence.verify_bundle(bundle, checkpoints.verifier_key())
            verdict = {
                "ok": True,
                "origin": verified.origin,
                "size": verified.size,
                "entries": verified.entries,
            }
        except FairscreenError as exc:
            verdict = {"ok": False, "why": str(exc)}
    return render(request, "regulator/signal.html", signal=shown, name=name, verdict=verdict)


# -- tiers, overrides, appeals --------------------------------------------------------------------


@router.get("/regulator/tiers")
def tiers_page(request: Request, actor: Tiers, scenario: str = "", tier: str = "") -> Response:
    own = _own(actor, "tier.read")
    if own is not None:
        return see_other("/staff/supervision")
    with sessions_of(request)() as session:
        found = service.effective_tiers(session)
        names = _names(session)
        open_appeals = dict(
            session.execute(
                select(TierAppeal.firm, func.count())
                .where(TierAppeal.status == "open")
                .group_by(TierAppeal.firm)
            ).all()
        )
    rows = [
        e
        for _, e in sorted(found.items())
        if (not scenario or e.computed.scenario == scenario) and (not tier or str(e.tier) == tier)
    ]
    counts = Counter(str(e.tier) for e in found.values())
    return render(
        request,
        "regulator/tiers.html",
        rows=rows[:500],
        total=len(rows),
        counts=counts,
        tiers=[str(t) for t in Tier],
        scenarios=shipped_rules().scenarios,
        names=names,
        open_appeals=open_appeals,
        chosen={"scenario": scenario, "tier": tier},
    )


def _firm_context(session: Any, firm: str) -> dict[str, Any]:
    found = service.effective_tiers(session, firm=firm)
    appeals = list(
        session.scalars(
            select(TierAppeal)
            .where(TierAppeal.firm == firm)
            .order_by(TierAppeal.filed_at, TierAppeal.id)
        )
    )
    total, signals = offsite.list_signals(session, org=firm, limit=PAGE)
    rules = shipped_rules()
    return {
        "firm": firm,
        "name": _names(session).get(firm, firm),
        "tiers": [e for _, e in sorted(found.items())],
        "appeals": [service.appeal_json(a) for a in appeals],
        "signals": [offsite.signal_json(s) for s in signals],
        "signals_total": total,
        "reasons": rules.override_reasons,
        "scenarios": rules.scenarios,
        "tier_names": [str(t) for t in Tier],
    }


@router.get("/regulator/tiers/{firm}")
def firm_page(firm: str, request: Request, actor: Tiers) -> Response:
    authorize(actor, "tier.read", Target.of(firm), what=f"firm {firm}")
    with sessions_of(request)() as session:
        context = _firm_context(session, firm)
    if not context["tiers"]:
        raise NotFoundError(f"firm {firm}: no tiers")
    return render(request, "regulator/firm.html", **context, done=request.query_params.get("done"))


@router.post("/regulator/tiers/{firm}/{scenario}/override")
async def override_tier(firm: str, scenario: str, request: Request, actor: Overrides) -> Response:
    form = await form_of(request)
    with sessions_of(request).begin() as session:
        service.override(
            session,
            shipped_rules(),
            firm=firm,
            scenario=scenario,
            to=str(form.get("tier", "")),
            reason=str(form.get("reason", "")),
            inspector=actor.id,
            now=utcnow(),
        )
    return see_other(f"/regulator/tiers/{firm}?done=override")


@router.post("/regulator/appeals/{appeal_id}/answer")
async def answer_appeal(appeal_id: str, request: Request, actor: Answers) -> Response:
    form = await form_of(request)
    upheld = form.get("upheld")
    if upheld not in ("yes", "no"):
        raise InputError("upheld", "choose whether the appeal is upheld")
    answer = str(form.get("answer", "")).strip()
    if not answer or len(answer) > 4000:
        raise InputError("answer", "the answer, 1 to 4000 characters")
    tier = str(form.get("tier", "")).strip() or None
    with sessions_of(request).begin() as session:
        appeal = service.answer_appeal(
            session,
            shipped_rules(),
            appeal_id,
            upheld=upheld == "yes",
            answer=answer,
            tier=tier,
            by=actor.id,
            now=utcnow(),
        )
        firm = appeal.firm
    return see_other(f"/regulator/tiers/{firm}?done=answer")


# -- the firm's own view -------------------------------------------------------------------------


@router.get("/staff/supervision")
def firm_view(request: Request, actor: Tiers) -> Response:
    if actor.organisation_id is None or _own(actor, "tier.read") is None:
        return see_other("/regulator/tiers")
    with sessions_of(request)() as session:
        context = _firm_context(session, actor.organisation_id)
    return render(
        request, "staff/supervision.html", **context, done=request.query_params.get("done")
    )


@router.post("/staff/supervision/appeals")
async def file_appeal(request: Request, actor: Appeals) -> Response:
    if actor.organisation_id is None:
        raise ForbiddenError("an appeal is filed by a firm's staff")
    form = await form_of(request)
    grounds = str(form.get("grounds", "")).strip()
    if not grounds or len(grounds) > 4000:
        raise InputError("grounds", "your grounds, 1 to 4000 characters")
    with sessions_of(request).begin() as session:
        service.file_appeal(
            session,
            firm=actor.organisation_id,
            scenario=str(form.get("scenario", "")),
            grounds=grounds,
            by=actor.id,
            now=utcnow(),
        )
    return see_other("/staff/supervision?done=appeal")


# -- the plan ----------------------------------------------------------------------------------


@router.get("/regulator/plans")
def plans_page(request: Request, actor: Plans) -> Response:
    with sessions_of(request)() as session:
        plans = list(session.scalars(select(InspectionPlan).order_by(InspectionPlan.created_at)))
    return render(request, "regulator/plans.html", plans=plans)


@router.get("/regulator/plans/{plan_id}")
def plan_month(plan_id: str, request: Request, actor: Plans, month: int = 0) -> Response:
    with sessions_of(request)() as session:
        plan = service.get_plan(session, plan_id)
        month = month if 1 <= month <= 12 else 1
        first = date(plan.year, month, 1)
        last = date(plan.year, month, calendar.monthrange(plan.year, month)[1])
        per_day = dict(
            session.execute(
                select(PlanVisit.day, func.count())
                .where(PlanVisit.plan_id == plan_id, PlanVisit.day.between(first, last))
                .group_by(PlanVisit.day)
            ).all()
        )
        inspectors = list(
            session.scalars(
                select(PlanVisitInspector.inspector)
                .where(PlanVisitInspector.plan_id == plan_id)
                .distinct()
                .order_by(PlanVisitInspector.inspector)
            )
        )
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(plan.year, month)
    return render(
        request,
        "regulator/plan.html",
        plan=plan,
        month=month,
        weeks=weeks,
        per_day={d: int(n) for d, n in per_day.items()},
        inspectors=inspectors,
    )


@router.get("/regulator/plans/{plan_id}/days/{day}")
def plan_day(plan_id: str, day: date, request: Request, actor: Plans) -> Response:
    with sessions_of(request)() as session:
        plan = service.get_plan(session, plan_id)
        teams = {
            team: [service.visit_json(v) for v in visits]
            for team, visits in service.plan_day(session, plan_id, day).items()
        }
    return render(request, "regulator/plan_day.html", plan=plan, day=day, teams=teams)


@router.get("/regulator/plans/{plan_id}/inspectors/{inspector}")
def plan_inspector(plan_id: str, inspector: str, request: Request, actor: Plans) -> Response:
    with sessions_of(request)() as session:
        plan = service.get_plan(session, plan_id)
        visits = [
            service.visit_json(v) for v in service.plan_inspector(session, plan_id, inspector)
        ]
    return render(
        request, "regulator/plan_inspector.html", plan=plan, inspector=inspector, visits=visits
    )


# -- inspections: the visits with codes, their findings, the firms' feedback ---------------------

Inspections = Annotated[Actor, Depends(Page("inspection.manage", kind="staff"))]
Feedback = Annotated[Actor, Depends(Page("inspection.feedback", kind="staff"))]
FINDING_ROWS = 5  # rows on the findings form (one visit's findings are recorded at once)
_FIELD = re.compile(r"^findings\[(\d+)\]\.(\w+)$")


def _matters(scenarios: list[str]) -> list[str]:
    """What a finding can be about: the off-site rules, then the matters of the visit's
    scenarios (suggestions: the inspector may write another)."""
    known = shipped_rules().scenarios
    out = [r.id for r in shipped_ruleset().rules]
    for scenario in scenarios:
        if scenario in known:
            out += [m for m in known[scenario].matters if m not in out]
    return out


def _inspection_page(
    request: Request,
    code: str,
    *,
    rows: list[dict[str, str]] | None = None,
    error: FairscreenError | None = None,
    error_row: int | None = None,
    nothing_found: bool = False,
) -> Response:
    with sessions_of(request)() as session:
        visit = codes.check(session, code)
        feedback = codes.feedback_of(session, code)
        name = _names(session).get(visit["org"], visit["org"])
    lang = language_of(request)
    return render(
        request,
        "regulator/inspection.html",
        http_status=error.http_status if error is not None else 200,
        visit=visit,
        name=name,
        feedback=feedback,
        matters=_matters(list(visit["scenarios"])),
        guidance=[(g.code, g.text[lang]) for g in all_guidance().values()],
        rows=rows or [{"rule": "", "guidance": "", "note": ""} for _ in range(FINDING_ROWS)],
        error=error,
        error_row=error_row,
        nothing_found=nothing_found,
        done=request.query_params.get("done"),
    )


@router.get("/regulator/inspections")
def inspections_page(request: Request, actor: Inspections, page: int = 1) -> Response:
    with sessions_of(request)() as session:
        total, rows = codes.list_visits(session, limit=PAGE, offset=offset(page))
        names = _names(session)
    return render(
        request,
        "regulator/inspections.html",
        rows=rows,
        total=total,
        paging=pager(request, page, total),
        names=names,
    )


@router.get("/regulator/inspections/{code}")
def inspection_visit(code: str, request: Request, actor: Inspections) -> Response:
    return _inspection_page(request, code)


@router.post("/regulator/inspections/{code}/findings")
async def record_findings(code: str, request: Request, actor: Inspections) -> Response:
    """The inspector's findings from the form's rows (a row left blank is no finding; none at
    all only with "nothing was found" ticked), through the service the API uses."""
    form = await request.form()
    rules, guides, notes = (
        [str(v) for v in form.getlist(name)] for name in ("rule", "guidance", "note")
    )
    size = max(len(rules), len(guides), len(notes))
    rows = [
        {
            "rule": rules[i] if i < len(rules) else "",
            "guidance": guides[i] if i < len(guides) else "",
            "note": notes[i] if i < len(notes) else "",
        }
        for i in range(size)
    ]
    # the rows a finding was written in (a row with only its 普法碼 chosen is a blank row)
    filled = [i for i, r in enumerate(rows) if r["rule"].strip() or r["note"].strip()]
    nothing_found = form.get("nothing_found") == "yes"
    try:
        if not filled and not nothing_found:
            raise InputError(
                "findings", "write at least one finding, or tick that nothing was found"
            )
        if filled and nothing_found:
            raise InputError(
                "nothing_found", "findings are written below: untick that nothing was found"
            )
        with sessions_of(request).begin() as session:
            codes.record_findings(session, code, [rows[i] for i in filled], now=utcnow())
    except FairscreenError as exc:
        where = _FIELD.match(getattr(exc, "where", ""))
        return _inspection_page(
            request,
            code,
            rows=rows + [{"rule": "", "guidance": "", "note": ""}] * (FINDING_ROWS - size),
            error=exc,
            error_row=filled[int(where.group(1))] if where else None,
            nothing_found=nothing_found,
        )
    return see_other(f"/regulator/inspections/{quote(code)}?done=findings")


# -- the public check of an inspection code ---------------------------------------------------------


def _public_page(
    request: Request,
    code: str,
    *,
    error: FairscreenError | None = None,
    rating: str = "",
    text: str = "",
) -> Response:
    try:
        with sessions_of(request)() as session:
            visit = codes.check(session, code)
    except FairscreenError as exc:
        return render(
            request,
            "inspection.html",
            http_status=exc.http_status,
            code=code,
            visit=None,
            why=str(exc),
            may_feedback=False,
            error=None,
            rating="",
            text="",
            done=None,
        )
    caller = caller_of(request)
    actor = caller.actor if caller is not None else None
    may_feedback = (
        actor is not None
        and actor.kind == "staff"
        and "inspection.feedback" in grants(actor)
        and actor.organisation_id == visit["org"]
    )
    return render(
        request,
        "inspection.html",
        http_status=error.http_status if error is not None else 200,
        code=code,
        visit=visit,
        why=None,
        may_feedback=may_feedback,
        error=error,
        rating=rating,
        text=text,
        done=request.query_params.get("done"),
    )


@router.get("/inspection/{code}")
def inspection_code(code: str, request: Request) -> Response:
    return _public_page(request, code)


@router.post("/inspection/{code}/feedback")
async def give_feedback(code: str, request: Request, actor: Feedback) -> Response:
    """The visited firm's feedback, from the public page, through the service the API uses."""
    form = await form_of(request)
    rating = str(form.get("rating", "")).strip()
    text = str(form.get("text", "")).strip()
    try:
        if not rating.isdigit():
            raise InputError("rating", "choose a rating from 1 to 5")
        with sessions_of(request).begin() as session:
            codes.give_feedback(
                session,
                code,
                org=actor.organisation_id or "-",
                rating=int(rating),
                text=text,
                by=actor.label,
                now=utcnow(),
            )
    except FairscreenError as exc:
        return _public_page(request, code, error=exc, rating=rating, text=text)
    return see_other(f"/inspection/{quote(code)}?done=feedback")
