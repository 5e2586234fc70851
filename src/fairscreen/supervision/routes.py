"""Supervision over HTTP (mounted at ``/api/v1/supervision``): tiers with the explanation of
every score, inspectors' overrides, firms' appeals, and the plan by day, per inspector and its
random draw. Labour inspectors see every firm; a firm's administrators see their own
organisation's tiers and appeals and file appeals (``permissions.toml``); another firm's tier
is answered as if it did not exist.

``public_router`` (mounted at ``/models/supervision``, beside the model registry) serves the tier rules themselves, to anyone:
the rules are public so that anyone can redo a firm's score.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from fairscreen.accounts.auth import Require
from fairscreen.accounts.policy import Actor, Target, authorize, reach
from fairscreen.audit.models import ModelVersion
from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import ForbiddenError, NotFoundError
from fairscreen.kit.http import MAX_OFFSET, SessionDep
from fairscreen.supervision import service
from fairscreen.supervision.models import (
    DrawSeed,
    InspectionPlan,
    TierAppeal,
)
from fairscreen.supervision.tiers import shipped_rules

router = APIRouter(tags=["supervision"])
public_router = APIRouter(tags=["supervision"])
_AUTH: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}
TierName = Literal["low", "medium", "high", "critical"]


def _own(actor: Actor, action: str) -> str | None:
    """None for a regulator (every firm), else the caller's own organisation."""
    scope = reach(actor, action)
    return None if scope.reach == "all" else (scope.organisation_id or "-")


@router.get("/tiers", responses=_AUTH)
def list_tiers(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("tier.read"))],
    scenario: str | None = None,
    tier: TierName | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """Tiers as they stand (after overrides), each with its explanation; a firm sees its own."""
    found = service.effective_tiers(session, firm=_own(actor, "tier.read"))
    rows = [
        e
        for _, e in sorted(found.items())
        if (scenario is None or e.computed.scenario == scenario)
        and (tier is None or str(e.tier) == tier)
    ]
    return {
        "total": len(rows),
        "tiers": [e.as_json() for e in rows[offset : offset + limit]],
    }


@router.get("/tiers/{firm}", responses={**_AUTH, 404: {}})
def firm_tiers(
    firm: str, session: SessionDep, actor: Annotated[Actor, Depends(Require("tier.read"))]
) -> dict[str, Any]:
    """One firm's tiers under each of its scenarios, why, and any override."""
    authorize(actor, "tier.read", Target.of(firm), what=f"firm {firm}")
    found = service.effective_tiers(session, firm=firm)
    if not found:
        raise NotFoundError(f"firm {firm}: no tiers")
    return {"firm": firm, "tiers": [e.as_json() for _, e in sorted(found.items())]}


class NewOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tier: TierName
    reason: str = Field(min_length=1, max_length=40, description="a reason code of the rules")


@router.post(
    "/tiers/{firm}/{scenario}/override", status_code=201, responses={**_AUTH, 404: {}, 422: {}}
)
def override_tier(
    firm: str,
    scenario: str,
    body: NewOverride,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("tier.override"))],
) -> dict[str, Any]:
    """Set a firm's tier under a scenario, with a reason code: a ``tier.overridden`` entry."""
    with session.begin():
        made = service.override(
            session,
            shipped_rules(),
            firm=firm,
            scenario=scenario,
            to=body.tier,
            reason=body.reason,
            inspector=actor.id,
            now=utcnow(),
        )
        return {
            "id": made.id,
            "firm": firm,
            "scenario": scenario,
            "from": made.from_tier,
            "to": made.to_tier,
            "reason": made.reason,
            "ledger_index": made.ledger_index,
        }


class NewAppeal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario: str = Field(min_length=1, max_length=40)
    grounds: str = Field(min_length=1, max_length=4000)


@router.post("/appeals", status_code=201, responses={**_AUTH, 404: {}, 422: {}})
def file_appeal(
    body: NewAppeal,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("appeal.create"))],
) -> dict[str, Any]:
    """Appeal against one's own organisation's tier under a scenario."""
    if actor.organisation_id is None:
        raise ForbiddenError("an appeal is filed by a firm's staff")
    with session.begin():
        appeal = service.file_appeal(
            session,
            firm=actor.organisation_id,
            scenario=body.scenario,
            grounds=body.grounds,
            by=actor.id,
            now=utcnow(),
        )
        return service.appeal_json(appeal)


@router.get("/appeals", responses=_AUTH)
def list_appeals(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("appeal.read"))],
    status: Literal["open", "upheld", "dismissed"] | None = None,
) -> list[dict[str, Any]]:
    """Appeals, oldest first (a firm: its own)."""
    query = select(TierAppeal).order_by(TierAppeal.filed_at, TierAppeal.id)
    own = _own(actor, "appeal.read")
    if own is not None:
        query = query.where(TierAppeal.firm == own)
    if status is not None:
        query = query.where(TierAppeal.status == status)
    return [service.appeal_json(a) for a in session.scalars(query)]


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    upheld: bool
    answer: str = Field(min_length=1, max_length=4000)
    tier: TierName | None = Field(default=None, description="upheld: the tier to set")


@router.post("/appeals/{appeal_id}/answer", responses={**_AUTH, 404: {}, 409: {}, 422: {}})
def answer_appeal(
    appeal_id: str,
    body: Answer,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("appeal.answer"))],
) -> dict[str, Any]:
    """Answer an open appeal (upheld with a tier: the tier is set, on the ledger)."""
    with session.begin():
        appeal = service.answer_appeal(
            session,
            shipped_rules(),
            appeal_id,
            upheld=body.upheld,
            answer=body.answer,
            tier=body.tier,
            by=actor.id,
            now=utcnow(),
        )
        return service.appeal_json(appeal)


@router.get("/plans", responses=_AUTH)
def list_plans(
    session: SessionDep, actor: Annotated[Actor, Depends(Require("plan.read"))]
) -> list[dict[str, Any]]:
    """Every plan with its figures and ledger entry."""
    return [
        {
            "id": p.id,
            "year": p.year,
            "rules": p.rules,
            "ledger_index": p.ledger_index,
            "summary": p.summary,
        }
        for p in session.scalars(select(InspectionPlan).order_by(InspectionPlan.created_at))
    ]


@router.get("/plans/{plan_id}/days/{day}", responses={**_AUTH, 404: {}})
def plan_day(
    plan_id: str,
    day: date,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("plan.read"))],
) -> dict[str, Any]:
    """A day of the plan: each team's route, in order."""
    teams = service.plan_day(session, plan_id, day)
    return {
        "plan": plan_id,
        "day": day.isoformat(),
        "teams": {team: [service.visit_json(v) for v in vs] for team, vs in teams.items()},
    }


@router.get("/plans/{plan_id}/inspectors/{inspector}", responses={**_AUTH, 404: {}})
def plan_inspector(
    plan_id: str,
    inspector: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("plan.read"))],
) -> dict[str, Any]:
    """One inspector's visits of the plan, by day and route order."""
    visits = service.plan_inspector(session, plan_id, inspector)
    return {
        "plan": plan_id,
        "inspector": inspector,
        "visits": [service.visit_json(v) for v in visits],
    }


@router.get("/plans/{plan_id}/draw", responses={**_AUTH, 404: {}})
def plan_draw(
    plan_id: str, session: SessionDep, actor: Annotated[Actor, Depends(Require("plan.read"))]
) -> dict[str, Any]:
    """The random draw: its seed's ledger entry, the input it drew from and what it drew."""
    plan = service.get_plan(session, plan_id)
    result = service.redraw(session, plan_id)
    seed = session.get(DrawSeed, plan.seed_id)
    assert seed is not None
    return {
        "plan": plan_id,
        "seed": seed.seed,
        "seed_index": seed.ledger_index,
        "input_digest": seed.population_digest,
        "input": seed.population,
        "draws": plan.draws,
        "reproduced": result.reproduced,
        "problems": list(result.problems),
        "seeds_for_year": result.seeds_for_year,
    }


@public_router.get("/tier-rules", response_class=Response)
def tier_rules(session: SessionDep) -> Response:
    """The tier rules in force, as their TOML file (its SHA-256 in a header and, once used, on
    the ledger as a ``model.published`` entry of kind ``tier_rules``)."""
    rules = shipped_rules()
    index: int | None = session.scalar(
        select(func.min(ModelVersion.ledger_index)).where(ModelVersion.digest == rules.digest)
    )
    headers = {"X-Rules-Ref": rules.ref, "X-Rules-SHA256": rules.digest}
    if index is not None:
        headers["X-Ledger-Index"] = str(index)
    return Response(rules.text, media_type="application/toml; charset=utf-8", headers=headers)
