"""A check's status over HTTP (mounted at ``/api/v1/checks``): ``GET /{request_id}/status``,
for the staff of the check's employer or agency (``check.read``; another organisation's check
is a 404, as if it did not exist). The body is ``jobs.status.CheckStatus``: the state, and for
each item its sources, which are late and why, and when they are asked again."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from fairscreen.accounts.auth import Require
from fairscreen.accounts.policy import Actor, Target, authorize
from fairscreen.jobs.status import check_status
from fairscreen.kit.clock import utcnow
from fairscreen.kit.http import SessionDep

router = APIRouter(tags=["checks"])


@router.get("/{request_id}/status", responses={401: {}, 403: {}, 404: {}})
def get_status(
    request_id: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("check.read"))],
) -> dict[str, Any]:
    """Where the check stands: waiting for the candidate, in progress item by item (late
    sources and why), complete."""
    status = check_status(session, request_id, now=utcnow())
    authorize(
        actor,
        "check.read",
        Target.of(status.employer_id, status.agency_id),
        what=f"check {request_id}",
    )
    return status.as_json()
