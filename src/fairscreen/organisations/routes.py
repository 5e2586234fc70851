"""Positions over HTTP (mounted at ``/api/v1``): an employer declares its positions, with their
category and the screening agency it engaged for them; both read them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from fairscreen.accounts.auth import Require
from fairscreen.accounts.policy import Actor, Target, authorize, reach
from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import ForbiddenError
from fairscreen.kit.http import SessionDep
from fairscreen.kit.ids import ID_PATTERN
from fairscreen.organisations import service
from fairscreen.organisations.models import Organisation

router = APIRouter(tags=["positions"])
_AUTH: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}


class NewPosition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, pattern=r"\S")
    category: str = Field(
        pattern=service.CATEGORY_PATTERN,
        description="a position category of the employer's pack (refused, 409, if of another)",
    )
    reference: str | None = Field(
        default=None,
        pattern=service.REFERENCE_PATTERN,
        description="the employer's own reference for it",
    )
    agency_id: str | None = Field(
        default=None, pattern=ID_PATTERN, description="the screening agency engaged for it"
    )


class PositionOut(BaseModel):
    id: str
    reference: str
    employer_id: str
    agency_id: str | None
    title: str
    category: str


@router.post("/positions", status_code=201, responses={**_AUTH, 404: {}, 409: {}, 422: {}})
def declare_position(
    body: NewPosition,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("position.manage"))],
) -> PositionOut:
    """Declare a position of the caller's organisation (an employer)."""
    from fairscreen.screening.online import pack_for

    with session.begin():
        org = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
        if org is None or org.kind != "employer":
            raise ForbiddenError("positions are declared by an employer's staff")
        view = service.declare_position(
            session,
            employer_id=org.id,
            title=body.title,
            category=body.category,
            reference=body.reference,
            agency_id=body.agency_id,
            pack=pack_for(org.jurisdiction),
            now=utcnow(),
        )
    return PositionOut(**view.as_json())


@router.get("/positions", responses=_AUTH)
def list_positions(
    session: SessionDep, actor: Annotated[Actor, Depends(Require("position.read"))]
) -> list[PositionOut]:
    """The organisation's positions (an agency: those it was engaged for)."""
    scope = reach(actor, "position.read")
    organisation = None if scope.reach == "all" else (scope.organisation_id or "-")
    return [PositionOut(**v.as_json()) for v in service.list_positions(session, organisation)]


@router.get("/positions/{position_id}", responses={**_AUTH, 404: {}})
def get_position(
    position_id: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("position.read"))],
) -> PositionOut:
    view = service.get_position(session, position_id)
    authorize(
        actor,
        "position.read",
        Target.of(view.employer_id, view.agency_id),
        what=f"position {position_id}",
    )
    return PositionOut(**view.as_json())
