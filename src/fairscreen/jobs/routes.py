"""A check's status over HTTP (mounted at ``/api/v1/checks``): ``GET /{check_id}/status``, for
the staff of the check's employer or agency and for the candidate whose check it is
(``check.read``: own organisation, or self; anyone else's check is a 404, as if it did not
exist). The body is ``jobs.status.CheckStatus``: the state, and for each item its sources,
which are late and why, and when they are asked again."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy import select

from fairscreen.accounts.auth import Require
from fairscreen.accounts.policy import Actor, Target, authorize
from fairscreen.candidates.models import Candidate
from fairscreen.jobs.status import check_status
from fairscreen.kit.clock import utcnow
from fairscreen.kit.http import SessionDep
from fairscreen.screening.models import CheckRequest

router = APIRouter(tags=["checks"])


@router.get("/{check_id}/status", responses={401: {}, 403: {}, 404: {}})
def get_status(
    check_id: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("check.read"))],
) -> dict[str, Any]:
    """Where the check stands: waiting for the candidate, in progress item by item (late
    sources and why), complete."""
    status = check_status(session, check_id, now=utcnow())
    account = session.scalar(
        select(Candidate.account_id)
        .join(CheckRequest, CheckRequest.candidate_id == Candidate.id)
        .where(CheckRequest.id == check_id)
    )
    authorize(
        actor,
        "check.read",
        Target.of(status.employer_id, status.agency_id, candidate_account=account),
        what=f"check {check_id}",
    )
    return status.as_json()
